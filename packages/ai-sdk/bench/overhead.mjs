// What the provider costs per request: the same greedy generation through the AI SDK's
// streamText and straight from Backend.stream, alternated, on one loaded model. Prints JSON.
// MLX_TS_BENCH_MODEL=path picks the model (default: Gemma 3 270M, bf16 folder, as float32 on CPU).
import { join, resolve } from 'node:path';
import { streamText } from 'ai';
import { MlxBackend } from '@mlx-ts/backend';
import { mlx } from '@mlx-ts/ai-sdk';

const root = resolve(import.meta.dirname, '../../..');
const modelPath = process.env.MLX_TS_BENCH_MODEL ?? join(process.env.MLX_TS_DATA ?? join(root, '.cache'), 'models', 'gemma-3-270m-bf16');
const maxTokens = Number(process.env.MLX_TS_BENCH_TOKENS ?? 64);
const rounds = Number(process.env.MLX_TS_BENCH_ROUNDS ?? 3);
const messages = [{ role: 'user', content: 'Write a short story about a lighthouse keeper.' }];

const backend = await MlxBackend.load(modelPath, { reusePromptPrefix: false });
const model = mlx({ backend });

async function direct() {
  const start = performance.now();
  let tokens = 0;
  for await (const event of backend.stream({ messages, maxTokens, ignoreEos: true })) if (event.type === 'text') tokens += event.tokenIds.length;
  return { ms: performance.now() - start, tokens };
}

async function throughProvider() {
  const start = performance.now();
  const result = streamText({ model, messages, maxOutputTokens: maxTokens, providerOptions: { mlx: { ignoreEos: true } } });
  for await (const _ of result.textStream);
  return { ms: performance.now() - start, tokens: (await result.usage).outputTokens };
}

await direct(); // warm-up
const samples = { direct: [], provider: [] };
for (let i = 0; i < rounds; i++) {
  samples.direct.push(await direct());
  samples.provider.push(await throughProvider());
}
const tps = (list) => list.reduce((sum, s) => sum + s.tokens, 0) / (list.reduce((sum, s) => sum + s.ms, 0) / 1000);
const directTps = tps(samples.direct);
const providerTps = tps(samples.provider);
console.log(
  JSON.stringify(
    {
      model: modelPath,
      maxTokens,
      rounds,
      direct_tokens_per_second: Number(directTps.toFixed(2)),
      ai_sdk_tokens_per_second: Number(providerTps.toFixed(2)),
      ai_sdk_over_direct: Number((providerTps / directTps).toFixed(3)),
    },
    null,
    1,
  ),
);
await backend.dispose();
