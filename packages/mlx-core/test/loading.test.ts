// Lazy loading: importing never throws; a missing or broken addon gives NativeBindingLoadError
// (naming the fix) on the first real call.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { runChild } from './helpers/child.js';

const probe = `
  import * as mx from MX;
  const out = { imported: true, available: mx.isAvailable(), reason: mx.unavailableReason() };
  for (const [name, call] of [['ones', () => mx.ones([2])], ['array', () => mx.array([1])], ['memory', () => mx.memory.getActiveMemory()]]) {
    try { call(); out[name] = 'no error'; } catch (e) {
      out[name] = { name: e.name, isLoadError: mx.NativeBindingLoadError.isInstance(e), instance: e instanceof mx.NativeBindingLoadError, message: e.message };
    }
  }
  console.log(JSON.stringify(out));
`;

const dir = mkdtempSync(join(tmpdir(), 'mlx-ts-loading-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading', () => {
  it('isAvailable() is true here, with no reason given', () => {
    expect(mx.isAvailable()).toBe(true);
    expect(mx.unavailableReason()).toBeUndefined();
    expect(mx.mlxVersion()).toMatch(/^0\.32\.\d+/);
  });

  it('a missing addon: import works, the first call throws NativeBindingLoadError naming the build command', () => {
    const r = runChild(probe, { env: { MLX_TS_ADDON: join(dir, 'missing', 'mlx_ts.node') } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.imported).toBe(true);
    expect(out.available).toBe(false);
    expect(out.reason).toMatch(/pnpm --filter @mlx-ts\/core build/);
    for (const name of ['ones', 'array', 'memory']) {
      expect(out[name].name).toBe('NativeBindingLoadError');
      expect(out[name].isLoadError).toBe(true);
      expect(out[name].instance).toBe(true);
      expect(out[name].message).toMatch(/not built.*pnpm --filter @mlx-ts\/core build/s);
    }
  });

  it('a file that is not an addon: NativeBindingLoadError saying it failed to load', () => {
    const bogus = join(dir, 'bogus.node');
    writeFileSync(bogus, 'not a shared library');
    const r = runChild(probe, { env: { MLX_TS_ADDON: bogus } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.available).toBe(false);
    expect(out.ones.name).toBe('NativeBindingLoadError');
    expect(out.ones.message).toMatch(/failed to load.*rebuild/s);
  });
});
