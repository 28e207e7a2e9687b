import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker thread's script is its own entry: WorkerBackend starts it from beside index.js.
  entry: { index: 'src/index.ts', 'backend-worker': 'src/worker/backend-worker.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node22',
});
