// Fuzzing (fast-check) of the GGUF reader: a mutated file opens and its tensors decode, or it
// fails with a ModelLoadError, in bounded time and without allocating what a lying length asks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { openGguf } from '../src/gguf/index.js';
import { budget, fuzzTimeout, hangMs, report } from './helpers/fuzz-budget.js';
import { hostileGguf, validGgufBytes } from './helpers/gguf-arbitrary.js';

const folder = mkdtempSync(join(tmpdir(), 'fuzz-gguf-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const path = join(folder, 'model.gguf');

async function openAndRead(bytes: Uint8Array, dequantize: boolean): Promise<void> {
  writeFileSync(path, bytes);
  const file = await openGguf(path);
  try {
    for (const tensor of file.tensors) {
      const decoded = await file.readTensor(tensor.name, { dequantize });
      expect(decoded.shape).toEqual(tensor.shape);
    }
  } finally {
    await file.close();
  }
}

describe('the GGUF reader', () => {
  it('the unmutated file opens and decodes', async () => {
    await openAndRead(validGgufBytes, true);
    await openAndRead(validGgufBytes, false);
  });

  it(
    'opens and decodes, or throws a ModelLoadError, for any mutation of a valid file',
    async () => {
      const outcomes = { opened: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(hostileGguf, fc.boolean(), async (bytes, dequantize) => {
          const started = performance.now();
          const before = process.memoryUsage().arrayBuffers;
          try {
            await openAndRead(bytes, dequantize);
            outcomes.opened++;
          } catch (error) {
            if (!ModelLoadError.isInstance(error)) throw error;
            outcomes.refused++;
          }
          expect(performance.now() - started).toBeLessThan(hangMs);
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
        }),
        budget(),
      );
      report('gguf', outcomes.opened + outcomes.refused, outcomes);
      expect(outcomes.opened + outcomes.refused).toBeGreaterThan(0);
    },
    fuzzTimeout,
  );
});
