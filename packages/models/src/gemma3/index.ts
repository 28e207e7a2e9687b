// Registers Gemma 3 (text-only checkpoints, and the language model of multimodal ones).
import { registerArchitecture } from '../registry.js';
import { type Gemma3Config, parseGemma3Config } from './config.js';
import { buildGemma3 } from './model.js';
import { gemma3ChatTemplate } from './chat-template.js';

/** Multimodal `gemma3` checkpoints keep the text model under `language_model.`; the rest is vision. */
function sanitizeName(name: string): string | undefined {
  if (name.startsWith('vision_tower.') || name.startsWith('multi_modal_projector.')) return undefined;
  if (name.startsWith('language_model.model.')) return name.slice('language_model.'.length);
  if (name.startsWith('language_model.lm_head.')) return name.slice('language_model.'.length);
  if (name.startsWith('model.language_model.')) return `model.${name.slice('model.language_model.'.length)}`;
  if (name.startsWith('model.vision_tower.') || name.startsWith('model.multi_modal_projector.')) return undefined;
  return name;
}

registerArchitecture<Gemma3Config>(['gemma3_text', 'gemma3'], {
  parseConfig: parseGemma3Config,
  sanitizeName,
  build: buildGemma3,
  defaultChatTemplate: gemma3ChatTemplate,
});

export { buildGemma3, type Gemma3Config, parseGemma3Config };
