// The addon's own CPU kernel for affine-quantized matmul. MLX's x86-64 CPU backend runs
// quantized matmul as a scalar single-threaded loop; this one is vectorized (AVX2 + FMA when the
// CPU has them, chosen at run time) and splits the output over a thread pool. quantizedMatmul
// uses it automatically on the CPU; these functions call it directly and tune it.
import { type Array, wrap } from './array.js';
import { native } from './native.js';
import { handleOf } from './ops.js';

export interface CpuQuantizedMatmulOptions {
  /** 32, 64 or 128 (default 64). */
  groupSize?: number;
  /** 4 or 8 (default 4). */
  bits?: number;
  /**
   * Matrix-vector products (up to 16 rows of x) with x quantized to int8 per block of 32 and
   * integer dot products, as llama.cpp does: about twice as fast where the weights are read from
   * memory, and approximate (each x element is off by up to half its block's step,
   * max|x|/254). Default: the process setting (`setCpuKernelInt8Activations`, or
   * MLX_TS_CPU_INT8=1), off unless changed. AVX2 only; elsewhere the exact path runs.
   */
  int8Activations?: boolean;
  /**
   * With `biases` null: every group's bias is biasFactor × its scale, so no biases are stored or
   * read (GGUF's Q8_0, Q5_0 and Q4_0 blocks are d·(q − 128), d·(q − 16) and d·(q − 8)).
   */
  biasFactor?: number;
}

/**
 * x @ dequantize(w, scales, biases)ᵀ for MLX affine-quantized w [out, in·bits/32] (uint32),
 * scales and biases [out, in/groupSize] (float32, bfloat16 or float16) and float32 x [..., in];
 * float32 result [..., out]. Lazy like every op. Throws an MlxError naming the unsupported
 * argument; quantizedMatmul falls back to MLX's own kernel in those cases instead.
 */
export function cpuQuantizedMatmul(x: Array, w: Array, scales: Array, biases: Array | null, options: CpuQuantizedMatmulOptions = {}): Array {
  if (options.biasFactor !== undefined && !Number.isFinite(options.biasFactor)) {
    throw new TypeError(`cpuQuantizedMatmul: biasFactor must be a finite number, got ${String(options.biasFactor)}`);
  }
  return wrap(
    native().cpuQuantizedMatmul(
      handleOf(x, 'cpuQuantizedMatmul'),
      handleOf(w, 'cpuQuantizedMatmul weights'),
      handleOf(scales, 'cpuQuantizedMatmul scales'),
      biases === null ? undefined : handleOf(biases, 'cpuQuantizedMatmul biases'),
      options.groupSize,
      options.bits,
      undefined,
      options.int8Activations,
      options.biasFactor,
    ),
  );
}

/** avx512 (F, BW, VL) runs the quantized products at 512 bits and every other kernel's AVX2 version. */
export type CpuKernelIsa = 'scalar' | 'avx2' | 'avx512';

export interface CpuKernelInfo {
  /** The instruction set the kernel uses now. */
  isa: CpuKernelIsa;
  /** The best one this CPU has. */
  bestIsa: CpuKernelIsa;
  /** Threads per call, the calling one included (MLX_TS_CPU_THREADS, default: hardware threads). */
  threads: number;
  /** Whether quantized products use int8 activations by default (see CpuQuantizedMatmulOptions). */
  int8Activations: boolean;
}

/**
 * GELU with the tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), of a float32
 * array on the CPU in one pass (vectorized with AVX2 where the kernel's ISA is avx2 or avx512, split over
 * the kernel threads for large arrays), lazy like every op. MLX's CPU backend evaluates tanh one
 * element at a time on x86-64, which made the composed graph a fifth of a Gemma 3 prefill. Agrees
 * with the composed graph to float32 rounding (a few ulp).
 */
export function cpuGeluTanh(x: Array): Array {
  return wrap(native().cpuGeluTanh(handleOf(x, 'cpuGeluTanh')));
}

export function cpuKernelInfo(): CpuKernelInfo {
  return native().cpuKernelInfo();
}

/** Threads per kernel call (>= 1), the calling one included. */
export function setCpuKernelThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new TypeError(`setCpuKernelThreads: expected a positive integer, got ${threads}`);
  native().setCpuKernelThreads(threads);
}

/** Selects the kernel's instruction set; false (and no change) when the CPU lacks it. */
export function setCpuKernelIsa(isa: CpuKernelIsa): boolean {
  if (isa !== 'scalar' && isa !== 'avx2' && isa !== 'avx512') throw new TypeError(`setCpuKernelIsa: expected 'scalar', 'avx2' or 'avx512', got ${String(isa)}`);
  return native().setCpuKernelIsa(isa);
}

/**
 * The default of `int8Activations` for quantized products built from now on, quantizedMatmul's
 * included: true trades exactness (x rounded to int8 per block of 32) for speed.
 */
export function setCpuKernelInt8Activations(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setCpuKernelInt8Activations: expected a boolean, got ${String(on)}`);
  native().setCpuKernelInt8Activations(on);
}
