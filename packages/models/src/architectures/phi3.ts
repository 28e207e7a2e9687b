// Phi-3 / Phi-3.5 mini (model_type "phi3"): one fused qkv_proj and one fused gate_up_proj,
// longrope ("su") scaling for the 128k variants, optional partial rotary, sliding window when set.
import { DecoderModel } from '../toolkit/decoder.js';
import { type DecoderConfig, llamaSettings, parseDecoderConfig } from '../toolkit/decoder-config.js';
import type { Architecture } from '../registry.js';

/** model_type "phi3". */
export const phi3: Architecture<DecoderConfig> = {
  parseConfig: (raw, file, eos) => parseDecoderConfig(raw, file, eos, { architecture: 'Phi-3', rmsNormEps: 1e-5 }),
  build: (config, weights, dtype) => {
    const settings = llamaSettings(config, weights.source, {}, { fusedQkv: true, qkvBias: false, outputBias: false });
    return new DecoderModel(config, { ...settings, mlp: { ...settings.mlp, fusedGateUp: true } }, weights, dtype);
  },
};
