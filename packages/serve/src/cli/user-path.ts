// Paths on the command line mean what they meant where the user typed them: under `pnpm start` or
// `pnpm mlx-ts` the process runs in another folder, and pnpm passes the user's in INIT_CWD.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** The path resolved against the user's folder when something is there; otherwise as given. */
export function userPath(path: string): string {
  if (isAbsolute(path)) return path;
  const resolved = resolve(process.env.INIT_CWD ?? process.cwd(), path);
  return existsSync(resolved) ? resolved : path;
}
