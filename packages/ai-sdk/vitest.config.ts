// The package's tests, less test/structured.test.ts: that one needs the engine's structured
// output and tool calling and runs with `pnpm test:integration` (vitest.integration.config.ts).
import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default defineConfig({ ...shared, test: { ...shared.test, exclude: ['test/structured.test.ts', '**/node_modules/**'] } });
