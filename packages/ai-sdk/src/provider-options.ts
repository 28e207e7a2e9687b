// `providerOptions.mlx`: the Backend's options that the AI SDK's call settings do not name.
// Values are checked by the Backend itself (an InvalidRequestError naming the option).
import { z } from 'zod';

export const mlxProviderOptionsSchema = z.object({
  /** Drop tokens whose probability is below minP × the top token's. */
  minP: z.number().optional(),
  /** Multiplies the logits of recently seen tokens (> 1 discourages repeats). */
  repetitionPenalty: z.number().optional(),
  /** Token id → bias added to its logit. */
  logitBias: z.record(z.string(), z.number()).optional(),
  /** Return each generated token's log-probability in `providerMetadata.mlx.logprobs`. */
  logprobs: z.boolean().optional(),
  /** With logprobs: also this many most likely alternatives per position (0–20). */
  topLogprobs: z.number().optional(),
  /** Keep generating past end-of-sequence tokens. */
  ignoreEos: z.boolean().optional(),
  /** Constrain the output by a grammar. */
  grammar: z.string().optional(),
  /** Whether the model may make several tool calls in one turn (default true). */
  parallelToolCalls: z.boolean().optional(),
  /** With a JSON schema response format: require the output to match it exactly (default true). */
  strictJsonSchema: z.boolean().optional(),
});

export type MlxProviderOptions = z.infer<typeof mlxProviderOptionsSchema>;

export const knownProviderOptions = new Set(Object.keys(mlxProviderOptionsSchema.shape));
