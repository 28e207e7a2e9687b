// This package's version, read from its package.json (the same file in src/ and dist/ layouts),
// reported by `mlx-ts --version` and as the server's system_fingerprint.
import { readFileSync } from 'node:fs';

export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
