export { ModelLoadError, type ModelLoadErrorOptions } from './errors.js';
export type { LanguageModel, LoadedModel, ModelConfig, MakeCacheOptions } from './model-types.js';
export { registerArchitecture, architectureFor, supportedModelTypes, type Architecture } from './registry.js';
export { loadModel, loadLanguageModel, type LoadModelOptions } from './load/load-model.js';
export type { GgufLoadProgress } from './load/gguf-weights.js';
export { Weights, type WeightEntry, type WeightPolicy } from './load/weights.js';
export { checkSafetensors } from './load/safetensors-header.js';
// The toolkit architectures are built from (for architectures registered by applications).
export { Linear, type QuantizedWeight } from './toolkit/linear.js';
export { Embedding } from './toolkit/embedding.js';
export { RmsNorm, type RmsNormOptions } from './toolkit/norm.js';
export { Attention, type AttentionSettings } from './toolkit/attention.js';
export { GatedMlp, type MlpSettings } from './toolkit/mlp.js';
export { makeRope, ropeSettingsFromConfig, type Rope, type RopePosition, type RopeSettings } from './toolkit/rope.js';
export { attentionMask } from './toolkit/mask.js';
export { DecoderModel, type DecoderSettings, type DecoderLayerSettings } from './toolkit/decoder.js';
export { parseDecoderConfig, llamaSettings, type DecoderConfig, type DecoderConfigDefaults } from './toolkit/decoder-config.js';
export { geluApproximate, silu, type ActivationName } from './toolkit/activations.js';
export { type Gemma3Config, parseGemma3Config } from './gemma3/index.js';
