// The README's opening example runs and prints what its comments say.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from './helpers/child.js';

describe('README', () => {
  it('the opening example runs and prints the closed-form softmax', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    expect(example.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(12);
    // Print each logged value as JSON (one line each) to read it back here.
    const r = runChild(example.replace("'@mlx-ts/core'", 'MX').replace(/console\.log\((.*)\);/g, 'console.log(JSON.stringify($1));'));
    expect(r.stderr).toBe('');
    const [probs, live] = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // a·aᵀ·0.5 = [[2.5, 5.5], [5.5, 12.5]]; softmax of each row.
    const row = (d: number) => [1 / (1 + Math.exp(d)), Math.exp(d) / (1 + Math.exp(d))];
    [row(3), row(7)].flat().forEach((v, i) => expect(probs.flat()[i]).toBeCloseTo(v, 6));
    expect(live).toBe(1);
  });
});
