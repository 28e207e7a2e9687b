// Fuzzing (fast-check) of the native safetensors load path (MLX's header parser under
// loadSafetensors, then the lazy reads when the arrays are evaluated): any file loads, or fails
// with an MlxError, never a crash of the process, and in bounded time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { budget, fuzzTimeout, hangMs, report } from './helpers/fuzz-budget.js';
import { hostileSafetensors } from './helpers/safetensors-arbitrary.js';

const folder = mkdtempSync(join(tmpdir(), 'fuzz-native-safetensors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const path = join(folder, 'model.safetensors');

describe('loadSafetensors', () => {
  it(
    'loads and evaluates, or throws an MlxError, for any file',
    () => {
      const outcomes = { loaded: 0, refused: 0 };
      fc.assert(
        fc.property(hostileSafetensors, (bytes) => {
          writeFileSync(path, bytes);
          const started = performance.now();
          try {
            mx.tidy(() => {
              const { arrays } = mx.io.loadSafetensors(path);
              mx.eval(Object.values(arrays));
            });
            outcomes.loaded++;
          } catch (error) {
            if (!mx.MlxError.isInstance(error)) throw error;
            outcomes.refused++;
          }
          expect(performance.now() - started).toBeLessThan(hangMs);
        }),
        budget(),
      );
      report('safetensors-native', outcomes.loaded + outcomes.refused, outcomes);
      expect(outcomes.loaded + outcomes.refused).toBeGreaterThan(0);
    },
    fuzzTimeout,
  );
});
