// @mlx-ts/sample: logits processors and samplers for LLM generation, on the MLX device.
export { makeSampler, type Sampler, type DisposableSampler, type SamplerOptions } from './sampler.js';
export { applyTopK } from './top-k.js';
export { applyTopP } from './top-p.js';
export { applyMinP } from './min-p.js';
export { applyXtc, type XtcOptions } from './xtc.js';
export { logSoftmax } from './log-softmax.js';
export { logprobs, topLogprobs, type Logprobs, type TopLogprobs } from './logprobs.js';
export { type LogitsProcessor, type TokenIds, applyLogitsProcessors, composeLogitsProcessors } from './logits-processor.js';
export { makeLogitsProcessors, type LogitsProcessorsOptions } from './make-logits-processors.js';
export { RepetitionPenalty } from './repetition-penalty.js';
export { PresencePenalty } from './presence-penalty.js';
export { FrequencyPenalty } from './frequency-penalty.js';
export { LogitBias } from './logit-bias.js';
export { RowSampler, sampleRows, type RowSamplerOptions } from './batch-sampler.js';
export { KeySequence } from './key-sequence.js';
export { SampleOptionsError, SampleInputError } from './errors.js';
