// Sampling defaults a model ships in generation_config.json (temperature, top_p, top_k, min_p,
// repetition_penalty), used for requests that leave them out, as vLLM does. A .gguf file or a
// folder without the file gives none, and OpenAI's defaults apply.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerateOptions } from '@mlx-ts/backend';

const fields: [string, keyof GenerateOptions][] = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['min_p', 'minP'],
  ['repetition_penalty', 'repetitionPenalty'],
];

export async function generationConfigDefaults(modelPath: string): Promise<GenerateOptions> {
  const isFolder = await stat(modelPath).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder) return {};
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(join(modelPath, 'generation_config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
  const defaults: Record<string, number> = {};
  for (const [name, option] of fields) {
    const value = config[name];
    if (typeof value === 'number' && Number.isFinite(value)) defaults[option] = value;
  }
  // transformers' neutral values mean "off"; leave those to the backend.
  if (defaults.topK === 0) delete defaults.topK;
  if (defaults.repetitionPenalty === 1) delete defaults.repetitionPenalty;
  return defaults as GenerateOptions;
}
