// Drives the mlx-ts CLI as a user does: a real child process (`node bin/mlx-ts.mjs …`), optionally
// in a pseudo-terminal through util-linux `script`, against the tiny random Gemma 3.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testModelPath } from './helpers.js';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const cli = join(repoRoot, 'packages/serve/bin/mlx-ts.mjs');

/** The tiny random Gemma 3 with the small test tokenizer, as a model folder (optionally with a generation_config.json). */
const made: string[] = [];
// The folders tinyModel made go when the test process does (a process a test started may still read one until then).
process.on('exit', () => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});

export function tinyModel(generationConfig?: Record<string, unknown>): string {
  const source = testModelPath('tiny-gemma3');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-serve-tiny-'));
  made.push(folder);
  symlinkSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  copyFileSync(join(source, 'config.json'), join(folder, 'config.json'));
  const tokenizer = join(repoRoot, 'packages/backend/test/fixtures/tiny-tokenizer');
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizer, file), join(folder, file));
  if (generationConfig) writeFileSync(join(folder, 'generation_config.json'), JSON.stringify(generationConfig));
  return folder;
}

export function tinyContextLength(): number {
  return (JSON.parse(readFileSync(join(testModelPath('tiny-gemma3'), 'config.json'), 'utf8')) as { max_position_embeddings: number }).max_position_embeddings;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

export interface Running {
  child: ChildProcess;
  /** Everything written so far (stdout and stderr; in a pty they are one stream). */
  output(): string;
  stderr(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function track(child: ChildProcess): Running {
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
  return {
    child,
    output: () => out + err,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((done, fail) => {
        const check = () => {
          const match = (out + err).match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            done(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          fail(new Error(`timed out waiting for ${pattern}; output so far:\n${out + err}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => setTimeout(check, 50));
        check();
      });
    },
  };
}

/** `mlx-ts <args>` with pipes (not a terminal). */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Running {
  return track(
    spawn(process.execPath, [cli, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
}

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/**
 * A command in a pseudo-terminal (util-linux `script`): writing to `child.stdin` is typing, so
 * "\x03" is Ctrl-C delivered by the terminal as SIGINT to the foreground process group.
 */
export function inTerminal(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Running {
  const line = command.map(quote).join(' ');
  return track(
    spawn('script', ['-qfec', `stty cols 200 rows 50; exec ${line}`, '/dev/null'], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, TERM: 'xterm', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
}
