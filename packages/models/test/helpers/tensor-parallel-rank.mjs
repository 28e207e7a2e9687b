// One rank of a tensor- or pipeline-parallel run (or, without MLX_RANK, the single-process reference): loads
// a model split over the ring group, prints the prefill logits, a greedy continuation through
// the KV cache and the bytes of weights this rank holds, as one JSON line.
import * as mx from '@mlx-ts/core';
import { loadLanguageModel } from '@mlx-ts/models';

const [path, promptJson, stepsText, parallelism = 'tensor'] = process.argv.slice(2);
const prompt = JSON.parse(promptJson);
const steps = Number(stepsText);
const group = process.env.MLX_RANK ? mx.distributed.init({ backend: 'ring', strict: true }) : undefined;
const model = await loadLanguageModel(path, { dtype: 'float32', group, parallelism });
const weightBytes = [...model.parameters().values()].reduce((sum, a) => sum + a.nbytes, 0);
// What MLX's allocator holds after loading: the full tensors the shards were cut from are freed.
const activeBytes = mx.memory.getActiveMemory();

const logits = mx.tidy(() => model.unembed(model.forward(mx.array([prompt], 'int32'))));
const prefill = Buffer.from(logits.toTypedArray().buffer).toString('base64');
logits.dispose();

const cache = model.makeCache();
const tokens = [];
let input = prompt;
for (let i = 0; i < steps; i++) {
  const next = mx.tidy(() => {
    const out = model.unembed(model.forward(mx.array([input], 'int32'), cache));
    return mx.argmax(mx.slice(out, [0, input.length - 1, 0], [1, input.length, out.shape[2]]), -1).item();
  });
  tokens.push(next);
  input = [next];
}
console.log(JSON.stringify({ rank: group?.rank ?? 0, size: group?.size ?? 1, weightBytes, activeBytes, prefill, tokens }));
