// Without its native addon the engine fails typed and with the fix, when first used (importing
// the package never throws).
import { MlxTsError } from '@mlx-ts/spec';
import { afterAll, expect, it, vi } from 'vitest';

const previous = process.env.MLX_TS_XGRAMMAR_ADDON;
afterAll(() => {
  if (previous === undefined) delete process.env.MLX_TS_XGRAMMAR_ADDON;
  else process.env.MLX_TS_XGRAMMAR_ADDON = previous;
});

it('a missing addon is a GrammarEngineUnavailableError naming the build command', async () => {
  process.env.MLX_TS_XGRAMMAR_ADDON = '/nonexistent/xgrammar_ts.node';
  vi.resetModules();
  const { GrammarEngine, GrammarEngineUnavailableError } = await import('../src/index.js');
  const error = await GrammarEngine.create({ tokens: ['a'], kind: 'raw', size: 32, stopTokenIds: [] }).catch((e: unknown) => e);
  expect(GrammarEngineUnavailableError.isInstance(error)).toBe(true);
  expect(MlxTsError.isInstance(error)).toBe(true);
  expect((error as MlxTsError).code).toBe('grammar_engine_unavailable');
  expect((error as Error).message).toMatch(/pnpm --filter @mlx-ts\/structured build/);
});
