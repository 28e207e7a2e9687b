import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', gguf: 'src/gguf/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node22',
});
