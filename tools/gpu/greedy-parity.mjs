// Greedy parity of a Gemma 3 checkpoint between devices: the first GEN greedy ids after a fixed
// prompt, computed here on the default device in each dtype asked for, against a fixture written
// on the CPU in float32 (`write`). The checkpoint is tools/gpu/random_gemma.py --exact, whose
// bytes are the same on every machine (the fixture holds their SHA-256, checked first).
// Usage: node tools/gpu/greedy-parity.mjs write MODEL_DIR FIXTURE [--prompt=N]
//        node tools/gpu/greedy-parity.mjs check MODEL_DIR FIXTURE [DTYPE...]   (default float32 bfloat16)
// `check` prints one JSON line per dtype and exits 1 when the float32 ids differ from the fixture's.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const mx = await import(join(root, 'packages/mlx-core/dist/index.js'));
const { loadLanguageModel } = await import(join(root, 'packages/models/dist/index.js'));

const GEN = 32;
// --prompt=N (default 24) prompt ids from a fixed LCG, as tools/gpu/run.sh makes its bench
// prompts (512 there); `check` takes the fixture's own prompt.
function lcgPrompt(length) {
  const ids = [];
  for (let i = 0, s = 7; i < length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    ids.push(3 + (s % (262144 - 3)));
  }
  return ids;
}
const promptFlag = process.argv.find((a) => a.startsWith('--prompt='));
let prompt = lcgPrompt(promptFlag ? Number(promptFlag.slice('--prompt='.length)) : 24);

async function sha256(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** Greedy ids and, per step, the gap between the best and second-best logit. */
async function greedy(folder, dtype) {
  const model = await loadLanguageModel(folder, { dtype });
  const cache = model.makeCache();
  const ids = [];
  const margins = [];
  try {
    let input = prompt;
    for (let step = 0; step < GEN; step++) {
      const [next, margin] = mx.tidy(() => {
        const hidden = model.forward(mx.array([input], 'int32'), cache);
        const [, length, width] = hidden.shape;
        const logits = mx.astype(model.unembed(mx.slice(hidden, [0, length - 1, 0], [1, length, width])), 'float32');
        const values = logits.toTypedArray();
        let best = 0;
        for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        let second = -Infinity;
        for (let i = 0; i < values.length; i++) if (i !== best && values[i] > second) second = values[i];
        return [best, values[best] - second];
      });
      ids.push(next);
      margins.push(Number(margin.toPrecision(4)));
      input = [next];
    }
  } finally {
    for (const c of cache) c.dispose();
    model.dispose();
  }
  return { ids, margins };
}

const [mode, folder, fixturePath, ...dtypes] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!['write', 'check'].includes(mode) || !folder || !fixturePath) {
  console.error('usage: greedy-parity.mjs write|check MODEL_DIR FIXTURE [DTYPE...]');
  process.exit(2);
}
const weights = await sha256(join(folder, 'model.safetensors'));
const device = mx.defaultDevice().type;
if (mode === 'write') {
  if (device !== 'cpu') throw new Error(`the fixture is the CPU's float32 ids; the default device here is ${device}`);
  const { ids, margins } = await greedy(folder, 'float32');
  const fixture = {
    model: `${basename(resolve(folder))} (tools/gpu/random_gemma.py --exact)`,
    weightsSha256: weights,
    device,
    dtype: 'float32',
    prompt,
    greedyIds: ids,
    margins,
  };
  writeFileSync(fixturePath, `${JSON.stringify(fixture)}\n`);
  console.log(JSON.stringify({ wrote: fixturePath, ids }));
} else {
  const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
  prompt = fixture.prompt;
  if (weights !== fixture.weightsSha256) throw new Error(`the checkpoint's bytes differ from the fixture's (${weights} vs ${fixture.weightsSha256})`);
  let failed = false;
  for (const dtype of dtypes.length > 0 ? dtypes : ['float32', 'bfloat16']) {
    const { ids, margins } = await greedy(folder, dtype);
    let agree = 0;
    while (agree < ids.length && ids[agree] === fixture.greedyIds[agree]) agree++;
    const line = {
      parity: basename(resolve(folder)).replace(/-bf16$/, ''),
      prompt: prompt.length,
      device,
      dtype,
      tf32: process.env.MLX_ENABLE_TF32 ?? 'default',
      agree,
      of: GEN,
      equal: agree === GEN,
      ids,
      margins,
    };
    console.log(JSON.stringify(line));
    if (dtype === 'float32' && agree !== GEN) failed = true;
  }
  process.exit(failed ? 1 : 0);
}
