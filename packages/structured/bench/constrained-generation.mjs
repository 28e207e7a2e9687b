// Constrained decoding cost, printed as JSON: the grammar engine's start-up on the model's
// vocabulary, schema compile times, the host time per token to advance the grammar and fill the
// mask, and generation tokens/s of Gemma 3 270M with and without a schema, alternated in one run:
// one stream at a time, then `batch` concurrent requests through the backend's batch scheduler
// (where every row of a constrained step waits for its own mask), aggregate tokens/s of each.
// Usage: node bench/constrained-generation.mjs [model folder] [tokens] [batch]
// (tokens 0: engine numbers only; batch 0: no batched runs; default 32 tokens, batch 16)
// (the backend is imported from its build folder: it depends on this package, not the reverse).
import { resolve } from 'node:path';
import * as mx from '@mlx-ts/core';
import { GrammarEngine, vocabularyFromTokenizer } from '../dist/index.js';
import { MlxBackend } from '../../backend/dist/index.js';

const modelPath = resolve(process.argv[2] || new URL('../../../.cache/models/gemma-3-270m-bf16', import.meta.url).pathname);
const tokens = Number(process.argv[3] ?? 32);
const batch = Number(process.argv[4] ?? 16);
const rounds = 3;
const batchRounds = 2;
/** The target: a schema costs at most this share of the unconstrained tokens/s. */
const targetOverheadPercent = 10;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const backend = await MlxBackend.load(modelPath, { dtype: 'float32', maxBatch: Math.max(batch, 1) });
const { tokenizer, config } = backend.loaded;

let start = performance.now();
const engine = await GrammarEngine.create(vocabularyFromTokenizer(tokenizer, config.vocabSize, config.eosTokenIds));
const engineCreateMs = performance.now() - start;

const schemas = {
  small: {
    type: 'object',
    properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0, maximum: 120 } },
    required: ['name', 'age'],
    additionalProperties: false,
  },
  nested: {
    type: 'object',
    properties: {
      user: {
        type: 'object',
        properties: { id: { type: 'integer' }, tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, maxItems: 5 } },
        required: ['id', 'tags'],
        additionalProperties: false,
      },
      note: { type: 'string', pattern: '^[a-z ]{1,40}$' },
      score: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    },
    required: ['user', 'note', 'score'],
    additionalProperties: false,
  },
  // Never complete before `tokens`: the long list keeps every run the same length.
  longList: { type: 'array', items: { type: 'string', maxLength: 12 }, minItems: 1000 },
};
const compileMs = {};
for (const [name, schema] of Object.entries(schemas)) {
  start = performance.now();
  await engine.compile({ type: 'json_schema', schema });
  compileMs[name] = performance.now() - start;
}
start = performance.now();
await engine.compile({ type: 'json_object' });
compileMs.json_object = performance.now() - start;
start = performance.now();
await engine.compile({ type: 'json_schema', schema: schemas.nested });
compileMs.nestedCached = performance.now() - start;

// Host time per token: advance the grammar by one token of a valid document, fill the next mask.
// Two documents: the nested schema's (mostly punctuation and enum values, cheap masks) and a
// list of strings (inside a string almost every token is possible: the expensive masks a batch
// of string-heavy rows pays for).
const logits = mx.keep(mx.zeros([1, config.vocabSize], 'float32'));
async function hostTimePerToken(schema, document) {
  const ids = tokenizer.encode(document).filter((id) => id !== tokenizer.bosTokenId);
  const processor = await engine.createProcessor({ type: 'json_schema', schema });
  const stepMs = [];
  for (const id of ids) {
    const before = processor.maskMilliseconds;
    mx.tidy(() => mx.eval(processor.process(logits)));
    stepMs.push(processor.maskMilliseconds - before);
    if (!processor.acceptToken(id)) throw new Error(`the grammar refused token ${id} of the document`);
  }
  processor.dispose();
  return { tokens: ids.length, medianMs: median(stepMs), meanMs: stepMs.reduce((a, b) => a + b, 0) / stepMs.length, maxMs: Math.max(...stepMs) };
}
const maskPerToken = await hostTimePerToken(
  schemas.nested,
  '{"user": {"id": 4217, "tags": ["a", "c", "b"]}, "note": "a short note about the user", "score": null}',
);
const maskPerTokenInStrings = await hostTimePerToken(
  schemas.longList,
  '["apple", "banana", "cherry", "dragon fruit", "elderberry", "fig", "grape", "honeydew", "kiwi", "lemon", "mango", "nectarine", "orange", "papaya"',
);
logits.dispose();
engine.dispose();

const prompt = 'A list of fruit names as JSON:\n';
const runs = { free: [], constrained: [] };
for (let round = 0; tokens > 0 && round < rounds; round++) {
  const free = await backend.generate(prompt, { maxTokens: tokens, ignoreEos: true });
  runs.free.push(free.timings.generationTokensPerSecond);
  const constrained = await backend.generate(prompt, { maxTokens: tokens, responseFormat: { type: 'json_schema', schema: schemas.longList } });
  if (constrained.usage.completionTokens !== tokens) throw new Error(`the constrained run stopped after ${constrained.usage.completionTokens} tokens`);
  runs.constrained.push(constrained.timings.generationTokensPerSecond);
}
const free = tokens > 0 ? median(runs.free) : null;
const constrained = tokens > 0 ? median(runs.constrained) : null;

// `batch` requests at once, each its own prompt (no shared prefix to reuse), all `tokens` long;
// aggregate tokens/s is every generated token over the wall time of the whole batch.
async function batched(options) {
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: batch }, (_, i) => backend.generate(`List ${i + 1}. ${prompt}`, { maxTokens: tokens, ...options })));
  const seconds = (performance.now() - start) / 1000;
  const generated = results.reduce((sum, result) => sum + result.usage.completionTokens, 0);
  if (generated !== batch * tokens) throw new Error(`the batch generated ${generated} tokens, not ${batch * tokens}`);
  return generated / seconds;
}
const batchRuns = { free: [], constrained: [] };
// The first batch of this size pays for its buffers and kernels (the same with a schema, whose
// grammar is compiled by now): one untimed batch first.
if (tokens > 0 && batch > 0) await batched({ ignoreEos: true });
for (let round = 0; tokens > 0 && batch > 0 && round < batchRounds; round++) {
  batchRuns.free.push(await batched({ ignoreEos: true }));
  batchRuns.constrained.push(await batched({ responseFormat: { type: 'json_schema', schema: schemas.longList } }));
}
// (median() of two runs is the faster one, for both sides alike.)
const batchFree = batchRuns.free.length > 0 ? median(batchRuns.free) : null;
const batchConstrained = batchRuns.constrained.length > 0 ? median(batchRuns.constrained) : null;
await backend.dispose();

const overhead = (without, withSchema) => (100 * (without - withSchema)) / without;

console.log(
  JSON.stringify(
    {
      model: modelPath,
      vocabularySize: config.vocabSize,
      engine: 'xgrammar 0.2.9 (native C++ addon)',
      engineCreateMs,
      compileMs,
      maskPerToken,
      maskPerTokenInStrings,
      generation:
        tokens > 0
          ? {
              tokens,
              rounds,
              freeTokensPerSecond: free,
              constrainedTokensPerSecond: constrained,
              overheadPercent: overhead(free, constrained),
              constrainedOverFree: constrained / free,
              withinTarget: overhead(free, constrained) <= targetOverheadPercent,
              runs,
            }
          : null,
      batch:
        batchFree !== null
          ? {
              requests: batch,
              tokensPerRequest: tokens,
              rounds: batchRounds,
              freeAggregateTokensPerSecond: batchFree,
              constrainedAggregateTokensPerSecond: batchConstrained,
              overheadPercent: overhead(batchFree, batchConstrained),
              constrainedOverFree: batchConstrained / batchFree,
              withinTarget: overhead(batchFree, batchConstrained) <= targetOverheadPercent,
              runs: batchRuns,
            }
          : null,
      targetOverheadPercent,
    },
    null,
    2,
  ),
);
