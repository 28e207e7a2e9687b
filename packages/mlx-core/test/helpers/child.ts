// Runs an ES module snippet in a fresh Node process against the built package (dist/), for
// behaviour that needs process-wide settings: a different addon path, --expose-gc.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const distEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

export interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `source` (which may `import * as mx from MX`) with extra env and node flags. */
export function runChild(source: string, options: { env?: Record<string, string>; nodeArgs?: string[] } = {}): ChildResult {
  if (!existsSync(distEntry)) {
    throw new Error(`${distEntry} is missing. Fix: build the package first with \`pnpm --filter @mlx-ts/core build\`.`);
  }
  const code = source.replaceAll('MX', JSON.stringify(distEntry));
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
