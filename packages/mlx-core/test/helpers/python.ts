// The test venv's Python (made by tools/setup-test-data.sh), for interoperability oracles.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The venv's python; throws (failing the test) with the fix when the venv is missing. */
export function venvPython(): string {
  const python = `${repoRoot}.cache/venv/bin/python`;
  if (!existsSync(python)) {
    throw new Error(
      `${python} is missing: these tests need Python's safetensors, numpy and ml_dtypes. Fix: run \`bash tools/setup-test-data.sh\` from the repository root.`,
    );
  }
  return python;
}

/** Runs a script of test/python/ with arguments and parses its JSON output. */
export function runPythonJson<T>(script: string, ...args: string[]): T {
  const path = fileURLToPath(new URL(`../python/${script}`, import.meta.url));
  const out = execFileSync(venvPython(), [path, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as T;
}
