// A mixture-of-experts feed-forward layer (Mixtral, Qwen 3 MoE): a router picks the top-k experts
// per token from a softmax over its logits, each expert is a gated MLP, and the token's output is
// the routing-weighted sum of its experts' outputs. Routing is read back to the host so that each
// expert runs only on the tokens sent to it (MLX's gather_mm is not bound; this is correct for any
// batch, and cheap for the few tokens of a decode step).
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import type { ActivationName } from './activations.js';
import { Linear } from './linear.js';
import { GatedMlp } from './mlp.js';

export interface SwitchMlpSettings {
  hiddenSize: number;
  /** Each expert's intermediate size. */
  intermediateSize: number;
  numExperts: number;
  topK: number;
  /** Renormalize the top-k probabilities to sum to 1 (Mixtral always; Qwen 3 MoE's norm_topk_prob). */
  normTopK: boolean;
  activation: ActivationName;
  /** Router weight name under the layer's MLP prefix ("gate"). */
  router: string;
  /** Expert e's prefix and its projection names: Mixtral w1/w3/w2, Qwen gate_proj/up_proj/down_proj. */
  expertPrefix: (e: number) => string;
  projections?: { gate: string; up: string; down: string };
}

export class SwitchMlp {
  private readonly router: Linear;
  private readonly experts: GatedMlp[];
  /** Over a group each expert's columns are split; the weighted sum of experts is all-summed once. */
  private readonly group: mx.distributed.Group | undefined;

  constructor(
    weights: Weights,
    prefix: string,
    private readonly settings: SwitchMlpSettings,
  ) {
    const { hiddenSize: h, intermediateSize: i, numExperts } = settings;
    this.router = Linear.load(weights, `${prefix}.${settings.router}`, numExperts, h);
    this.experts = Array.from(
      { length: numExperts },
      (_, e) =>
        new GatedMlp(weights, `${prefix}.${settings.expertPrefix(e)}`, {
          hiddenSize: h,
          intermediateSize: i,
          activation: settings.activation,
          names: settings.projections,
          partialOutput: true,
        }),
    );
    this.group = weights.group;
  }

  /** For each token its k experts and their weights (host arrays), as transformers' top-k router picks them. */
  private route(flat: mx.Array): { experts: Int32Array; weights: Float32Array } {
    const { numExperts: e, topK: k, normTopK } = this.settings;
    const probs = mx.tidy(() => mx.softmax(mx.astype(this.router.apply(flat), 'float32'), -1, true)).toTypedArray() as Float32Array;
    const tokens = probs.length / e;
    const experts = new Int32Array(tokens * k);
    const weights = new Float32Array(tokens * k);
    const order = Array.from({ length: e }, (_, i) => i);
    for (let t = 0; t < tokens; t++) {
      const row = probs.subarray(t * e, (t + 1) * e);
      const top = order
        .slice()
        .sort((a, b) => row[b] - row[a] || a - b)
        .slice(0, k);
      let sum = 0;
      for (const x of top) sum += row[x];
      top.forEach((x, j) => {
        experts[t * k + j] = x;
        weights[t * k + j] = normTopK ? row[x] / sum : row[x];
      });
    }
    return { experts, weights };
  }

  apply(x: mx.Array): mx.Array {
    const [b, l, h] = x.shape;
    const k = this.settings.topK;
    const flat = mx.reshape(x, [b * l, h]);
    const { experts, weights } = this.route(flat);
    // Run each expert on its tokens, stack the results, then gather every token's k rows.
    const outputs: mx.Array[] = [];
    const rowOf = new Int32Array(experts.length);
    let rows = 0;
    for (let e = 0; e < this.experts.length; e++) {
      const slots: number[] = [];
      experts.forEach((x, slot) => x === e && slots.push(slot));
      if (slots.length === 0) continue;
      const tokens = mx.array(
        Int32Array.from(slots, (slot) => Math.floor(slot / k)),
        'int32',
        [slots.length],
      );
      outputs.push(this.experts[e].apply(mx.take(flat, tokens, 0)));
      slots.forEach((slot, j) => (rowOf[slot] = rows + j));
      rows += slots.length;
    }
    const all = outputs.length === 1 ? outputs[0] : mx.concatenate(outputs, 0);
    const gathered = mx.reshape(mx.take(all, mx.array(rowOf, 'int32', [rowOf.length]), 0), [b * l, k, h]);
    const scale = mx.astype(mx.array(weights, 'float32', [b * l, k, 1]), x.dtype);
    const out = mx.reshape(mx.sum(mx.multiply(gathered, scale), 1), [b, l, h]);
    return this.group ? mx.distributed.allSum(out, { group: this.group }) : out;
  }

  arrays(): mx.Array[] {
    return [...this.router.arrays(), ...this.experts.flatMap((e) => e.arrays())];
  }
}
