// Every cache against mlx-lm's own cache classes: masks, fetched keys/values, offsets, capacity.
import { describe, expect, it } from 'vitest';
import { makeCache, replay, scenarios } from './scenarios.js';

describe('update sequences recorded with mlx-lm', () => {
  it('covers standard, rotating and quantized caches', () => {
    const types = new Set(scenarios.map((s) => s.cache.type));
    expect([...types].sort()).toEqual(['quantized', 'rotating', 'standard']);
  });

  for (const scenario of scenarios) {
    it(scenario.name, () => {
      using cache = makeCache(scenario.cache);
      replay(scenario, cache);
    });
  }
});
