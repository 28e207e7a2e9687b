// Fuzzing (fast-check) of checkSafetensors, the header check every model load runs before MLX
// reads a file: for any bytes it returns the tensor table or throws a ModelLoadError, in bounded
// time and without allocating more than the file holds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { checkSafetensors } from '../src/load/safetensors-header.js';
import { budget, fuzzTimeout, hangMs, report } from './helpers/fuzz-budget.js';
import { hostileSafetensors } from './helpers/safetensors-arbitrary.js';

const folder = mkdtempSync(join(tmpdir(), 'fuzz-safetensors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const path = join(folder, 'model.safetensors');

describe('checkSafetensors', () => {
  it(
    'returns the tensor table or throws a ModelLoadError, for any file',
    async () => {
      const outcomes = { ok: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(hostileSafetensors, async (bytes) => {
          writeFileSync(path, bytes);
          const started = performance.now();
          const before = process.memoryUsage().arrayBuffers;
          try {
            const tensors = await checkSafetensors(path);
            for (const { shape } of tensors.values()) expect(shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
            outcomes.ok++;
          } catch (error) {
            if (!ModelLoadError.isInstance(error)) throw error;
            outcomes.refused++;
          }
          expect(performance.now() - started).toBeLessThan(hangMs);
          expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
        }),
        budget(),
      );
      report('safetensors-header', outcomes.ok + outcomes.refused, outcomes);
      expect(outcomes.ok + outcomes.refused).toBeGreaterThan(0);
    },
    fuzzTimeout,
  );
});
