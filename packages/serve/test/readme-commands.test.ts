// Every shell command in the READMEs, run as written from the repository root with an empty home
// folder: `--help` and `--version`, the `path/to/model.gguf` examples (pointed at the tiny model
// by a relative path, so relative paths must mean the folder typed in), and the default-model
// commands against a model cache seeded with the test data's copy of the default model (no
// download). The few that are not cheap are listed with the test that covers them instead; a new
// README command fails here until it is run or listed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModel } from '../src/cli/default-model.js';
import { freePort, repoRoot, tinyModel } from './cli-helpers.js';
import { testModelPath } from './helpers.js';

function shellCommands(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const commands: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    // A line ending in a backslash continues on the next one, as in a shell.
    for (const line of block[1].replace(/\\\n\s*/g, ' ').split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

/** Commands not run here, and where they are proven instead. */
const coveredElsewhere: Record<string, string> = {
  './mlx-ts test': '.ci/run runs it (the whole suite)',
  'pnpm test': '.ci/run runs it through ./mlx-ts test',
  './mlx-ts bench': 'cli.test.ts runs bench (shorter) on the tiny model',
  './mlx-ts launch -n 2 -- node app.mjs': 'launch.test.ts runs launch -n 2 with a real two-rank program',
  './mlx-ts launch --hosts hosts.json --rank 0 -- node app.mjs': 'launch.test.ts runs launch --hosts --rank',
  './mlx-ts launch --hosts hosts.json --rank 1 -- node app.mjs': 'launch.test.ts runs launch --hosts --rank',
  './mlx-ts launch -n 2 -- serve --model path/to/model --port 8080': 'distributed-serve.test.ts runs launch -n 2 -- serve with the openai client',
  './mlx-ts launch --hosts hosts.json --rank 0 -- serve --model path/to/model --host 0.0.0.0 --port 8080':
    'distributed-serve.test.ts runs one rank per launcher with --hosts --rank',
  './mlx-ts launch --hosts hosts.json --rank 1 -- serve --model path/to/model': 'distributed-serve.test.ts runs one rank per launcher with --hosts --rank',
};
const curlExample = /^curl http:\/\/127\.0\.0\.1:8080\/v1\/chat\/completions/;

let env: Record<string, string>;
let tiny: string;
let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'mlx-ts-home-'));
  // A model cache holding the default model already (the test data's copy), so nothing downloads.
  const cache = join(home, 'mlx-ts-cache');
  mkdirSync(join(cache, 'models'), { recursive: true });
  symlinkSync(testModelPath(defaultModel.fileName), join(cache, 'models', defaultModel.fileName));
  env = { ...process.env, HOME: home, MLX_TS_CACHE: cache, MLX_TS_NO_APT: '1' } as Record<string, string>;
  delete env.INIT_CWD;
  tiny = relative(repoRoot, tinyModel());
});

// What the commands installed or cached under HOME (tens of MB) goes with the test.
afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line with bash in the repository root; `untilServing` stops a server once it serves. */
function run(command: string, options: { untilServing?: boolean; input?: string } = {}): Promise<Result> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (options.untilServing && /serving model "/.test(stderr)) process.kill(-child.pid!, 'SIGINT');
    });
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const commands = [...new Set(['README.md', 'packages/serve/README.md'].flatMap(shellCommands))];
const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'packages/serve/package.json'), 'utf8')) as { version: string }).version;

describe('README commands', () => {
  it('are all run here or covered elsewhere', () => {
    const unhandled = commands.filter(
      (c) => !(c in coveredElsewhere) && !curlExample.test(c) && !/ (--help|--version)$/.test(c) && !/ (serve|generate|chat|start)\b/.test(c),
    );
    expect(unhandled).toEqual([]);
    expect(commands.length).toBeGreaterThan(10);
  });

  for (const command of commands.filter((c) => / (--help|--version)$/.test(c))) {
    it(command, async () => {
      const result = await run(command);
      expect(result.code).toBe(0);
      if (command.endsWith('--version')) expect(result.stdout.trim().split('\n').at(-1)).toBe(packageVersion);
      else expect(result.stdout).toMatch(/^Usage: mlx-ts /m);
      // The first command in a fresh home installs what ./mlx-ts needs (tools/setup.sh), as the others may.
    }, 300_000);
  }

  for (const command of commands.filter((c) => / (serve|start)\b/.test(c) && !(c in coveredElsewhere))) {
    it(command, async () => {
      const port = String(await freePort());
      const written = command.replace('path/to/model.gguf', tiny).replace('--port 9000', `--port ${port}`);
      // The default port may be taken on a developer's machine; the command is otherwise as written.
      const line = written.includes('--port') ? written : `${written} --port ${port}`;
      const result = await run(line, { untilServing: true });
      expect(result.stderr).toMatch(/serving model "/);
      expect(result.stderr).toMatch(/SIGINT: finishing running requests/);
      expect(result.stderr).not.toMatch(/ELIFECYCLE/);
      expect(result.code).toBe(0);
    }, 300_000);
  }

  for (const command of commands.filter((c) => / (generate|chat)\b/.test(c) && !/ (serve|start)\b/.test(c))) {
    it(command, async () => {
      const result = await run(command.replace('path/to/model.gguf', tiny), { input: command.includes(' chat') ? '/exit\n' : undefined });
      expect(result.stderr).not.toMatch(/ELIFECYCLE|Error:/);
      expect(result.code).toBe(0);
      if (command.includes(' generate')) expect(result.stderr).toMatch(/^generation: \d+ tokens/m);
    }, 300_000);
  }
});
