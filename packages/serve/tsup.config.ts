import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', 'backend-worker': 'src/worker/backend-worker.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node22',
});
