// The gated feed-forward network of Llama-style models: down(act(gate(x)) · up(x)), with gate and
// up as two matrices or one fused `gate_up_proj` (Phi-3, gate first).
import * as mx from '@mlx-ts/core';
import type { Weights } from '../load/weights.js';
import { type ActivationName, activation } from './activations.js';
import { Linear } from './linear.js';

export interface MlpSettings {
  hiddenSize: number;
  intermediateSize: number;
  activation: ActivationName;
  bias?: boolean;
  fusedGateUp?: boolean;
  /** Projection names when not gate_proj / up_proj / down_proj (Mixtral's experts: w1, w3, w2). */
  names?: { gate: string; up: string; down: string };
  /**
   * Over a group, return this rank's partial output without the all-sum: a mixture of experts
   * sums its weighted experts once instead of once per expert. Default false.
   */
  partialOutput?: boolean;
}

/** Over a group the intermediate columns are split: gate and up all-to-sharded, down sharded-to-all. */
export class GatedMlp {
  private readonly gate?: Linear;
  private readonly up?: Linear;
  private readonly gateUp: Linear | undefined;
  private readonly down: Linear;
  private readonly act: (x: mx.Array) => mx.Array;

  constructor(
    weights: Weights,
    prefix: string,
    readonly settings: MlpSettings,
  ) {
    const { hiddenSize: h, intermediateSize: i, bias = false } = settings;
    const names = settings.names ?? { gate: 'gate_proj', up: 'up_proj', down: 'down_proj' };
    const sharded = { kind: 'all-to-sharded' } as const;
    if (settings.fusedGateUp) this.gateUp = Linear.load(weights, `${prefix}.gate_up_proj`, 2 * i, h, bias, { kind: 'all-to-sharded', segments: [i, i] });
    else {
      const gate = Linear.load(weights, `${prefix}.${names.gate}`, i, h, bias, sharded);
      const up = Linear.load(weights, `${prefix}.${names.up}`, i, h, bias, sharded);
      // On the GPU, where a decode step is bound by launch cost, gate and up as one product is
      // one kernel fewer per layer; the split halves are views.
      this.gateUp = Linear.stacks() ? Linear.stacked(gate, up) : undefined;
      if (!this.gateUp) [this.gate, this.up] = [gate, up];
    }
    // A partial output is a sharded-to-all projection without its sum (its bias, if any, would then be added once per rank).
    if (settings.partialOutput && bias && weights.group) throw new TypeError('GatedMlp: partialOutput with a bias is not supported');
    this.down = Linear.load(weights, `${prefix}.${names.down}`, h, i, bias, { kind: 'sharded-to-all', sum: !settings.partialOutput });
    this.act = activation(settings.activation);
  }

  apply(x: mx.Array): mx.Array {
    let gate: mx.Array;
    let up: mx.Array;
    if (this.gateUp) [gate, up] = mx.split(this.gateUp.apply(x), 2, -1);
    else [gate, up] = [this.gate!.apply(x), this.up!.apply(x)];
    return this.down.apply(mx.multiply(this.act(gate), up));
  }

  arrays(): mx.Array[] {
    return [this.gate, this.up, this.gateUp, this.down].filter((l): l is Linear => l !== undefined).flatMap((l) => l.arrays());
  }
}
