// Runs Python's huggingface_hub (installed in .cache/venv by tools/setup-test-data.sh) against a
// cache folder and, when given, the test hub; asynchronously, so the hub in this process answers.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const python = join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'venv', 'bin', 'python');

export interface PythonHubEnvironment {
  cacheDir: string;
  endpoint?: string;
  offline?: boolean;
}

/** Runs `script` and parses the JSON it prints last. */
export async function runPythonHub<T>(script: string, environment: PythonHubEnvironment): Promise<T> {
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`bash tools/setup-test-data.sh\` from the repository root`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HF_HUB_CACHE: environment.cacheDir,
    HF_HUB_OFFLINE: environment.offline ? '1' : '0',
    HF_HUB_DISABLE_TELEMETRY: '1',
    HF_HUB_DISABLE_PROGRESS_BARS: '1',
    ...(environment.endpoint ? { HF_ENDPOINT: environment.endpoint } : {}),
  };
  const { stdout } = await promisify(execFile)(python, ['-c', script], { env, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
