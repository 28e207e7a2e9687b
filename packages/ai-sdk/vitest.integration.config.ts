// Structured output and tool loops end to end (test/structured.test.ts): they need the engine's
// constrained decoding and tool calling (GenerateOptions.responseFormat, tools).
import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default defineConfig({
  ...shared,
  test: { ...shared.test, include: ['test/structured.test.ts'], outputFile: { json: 'test-results/vitest-integration.json' } },
});
