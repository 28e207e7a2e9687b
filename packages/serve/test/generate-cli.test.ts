// `mlx-ts generate --model <tiny Llama folder> --prompt hi`, run as a user runs it, answers what
// mlx-lm's generate answers on the same folder (greedy; tools/fixtures/models/make-tiny-generate-reference.py).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testModelPath } from './helpers.js';

const run = promisify(execFile);
const reference = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/tiny-llama-generate.json'), 'utf8')) as {
  prompt: string;
  maxTokens: number;
  text: string;
  promptIds: number[];
};

describe('mlx-ts generate on a tiny Llama folder', () => {
  it('streams the same greedy text as mlx-lm, then the statistics', async () => {
    const cli = join(import.meta.dirname, '../bin/mlx-ts.mjs');
    const { stdout, stderr } = await run(process.execPath, [
      cli,
      'generate',
      '--model',
      testModelPath('tiny-llama'),
      '--prompt',
      reference.prompt,
      '--max-tokens',
      String(reference.maxTokens),
    ]);
    expect(stdout).toBe(`${reference.text}\n`);
    expect(stderr).toContain(`prompt: ${reference.promptIds.length} tokens`);
    expect(stderr).toContain(`generation: ${reference.maxTokens} tokens`);
    expect(stderr).toContain('finish: length');
  });
});
