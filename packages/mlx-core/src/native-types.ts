// Type-only description of the native addon (native/*.cc). Handles are indices into the
// addon's array table; shapes and axes cross as number[] or Int32Array; streams as
// [index, deviceType, deviceIndex]; devices as [type, index] (0 cpu, 1 gpu).

export type Handle = number;
export type IntList = readonly number[] | Int32Array;
export type HandleList = readonly Handle[] | Uint32Array;
export type StreamTriple = IntList;
export type DeviceRef = IntList;

export interface NativeAddon {
  version(): string;
  setErrorClass(ctor: new (message: string) => Error): void;
  setDistributedErrorClass(ctor: new (message: string) => Error): void;

  // arrays
  fromBytes(data: ArrayBufferView, shape: IntList, dtype: number): Handle;
  scalar(value: number | boolean, dtype: number): Handle;
  meta(a: Handle): Int32Array;
  item(a: Handle): number | boolean;
  toBytes(a: Handle): ArrayBuffer;
  eval(arrays: HandleList): void;
  asyncEval(arrays: HandleList): Promise<void>;
  release(a: Handle): void;
  releaseMany(arrays: Uint32Array): void;
  liveCount(): number;
  share(a: Handle): Handle;

  // ops
  unaryOps: string[];
  binaryOps: string[];
  reduceOps: string[];
  unary(code: number, a: Handle, stream?: StreamTriple): Handle;
  binary(code: number, a: Handle, b: Handle, stream?: StreamTriple): Handle;
  binaryScalar(code: number, a: Handle, value: number, scalarFirst: boolean, stream?: StreamTriple): Handle;
  reduce(code: number, a: Handle, axes: IntList | undefined, keepdims: boolean, stream?: StreamTriple): Handle;
  argReduce(isMin: boolean, a: Handle, axis: number | undefined, keepdims: boolean, stream?: StreamTriple): Handle;
  matmul(a: Handle, b: Handle, stream?: StreamTriple): Handle;
  addmm(c: Handle, a: Handle, b: Handle, alpha: number, beta: number, stream?: StreamTriple): Handle;
  astype(a: Handle, dtype: number, stream?: StreamTriple): Handle;
  reshape(a: Handle, shape: IntList, stream?: StreamTriple): Handle;
  flatten(a: Handle, start?: number, end?: number, stream?: StreamTriple): Handle;
  transpose(a: Handle, axes?: IntList, stream?: StreamTriple): Handle;
  swapaxes(a: Handle, axis1: number, axis2: number, stream?: StreamTriple): Handle;
  moveaxis(a: Handle, source: number, destination: number, stream?: StreamTriple): Handle;
  expandDims(a: Handle, axes: IntList, stream?: StreamTriple): Handle;
  squeeze(a: Handle, axes?: IntList, stream?: StreamTriple): Handle;
  broadcastTo(a: Handle, shape: IntList, stream?: StreamTriple): Handle;
  slice(a: Handle, start: IntList, stop: IntList, strides: IntList, stream?: StreamTriple): Handle;
  sliceDynamic(a: Handle, start: Handle, axes: IntList, sizes: IntList, stream?: StreamTriple): Handle;
  sliceUpdate(a: Handle, update: Handle, start: IntList, stop: IntList, strides: IntList, stream?: StreamTriple): Handle;
  sliceUpdateDynamic(a: Handle, update: Handle, start: Handle, axes: IntList, stream?: StreamTriple): Handle;
  concatenate(arrays: HandleList, axis: number, stream?: StreamTriple): Handle;
  stack(arrays: HandleList, axis: number, stream?: StreamTriple): Handle;
  split(a: Handle, sectionsOrIndices: number | IntList, axis: number, stream?: StreamTriple): Uint32Array;
  take(a: Handle, indices: Handle, axis?: number, stream?: StreamTriple): Handle;
  takeAlongAxis(a: Handle, indices: Handle, axis?: number, stream?: StreamTriple): Handle;
  putAlongAxis(a: Handle, indices: Handle, values: Handle, axis?: number, stream?: StreamTriple): Handle;
  where(condition: Handle, x: Handle, y: Handle, stream?: StreamTriple): Handle;
  softmax(a: Handle, axes: IntList | undefined, precise: boolean, stream?: StreamTriple): Handle;
  scan(kind: number, a: Handle, axis: number | undefined, reverse: boolean, inclusive: boolean, stream?: StreamTriple): Handle;
  sort(a: Handle, axis?: number, stream?: StreamTriple): Handle;
  argsort(a: Handle, axis?: number, stream?: StreamTriple): Handle;
  argpartition(a: Handle, kth: number, axis?: number, stream?: StreamTriple): Handle;
  partition(a: Handle, kth: number, axis?: number, stream?: StreamTriple): Handle;
  topk(a: Handle, k: number, axis?: number, stream?: StreamTriple): Handle;
  clip(a: Handle, min?: Handle, max?: Handle, stream?: StreamTriple): Handle;
  full(shape: IntList, value: Handle, dtype?: number, stream?: StreamTriple): Handle;
  zeros(shape: IntList, dtype: number, stream?: StreamTriple): Handle;
  ones(shape: IntList, dtype: number, stream?: StreamTriple): Handle;
  arange(start: number, stop: number, step: number, dtype: number, stream?: StreamTriple): Handle;
  linspace(start: number, stop: number, num: number, dtype: number, stream?: StreamTriple): Handle;
  eye(n: number, m: number, k: number, dtype: number, stream?: StreamTriple): Handle;
  tri(n: number, m: number, k: number, dtype: number, stream?: StreamTriple): Handle;
  tril(a: Handle, k?: number, stream?: StreamTriple): Handle;
  triu(a: Handle, k?: number, stream?: StreamTriple): Handle;
  pad(a: Handle, axes: IntList, low: IntList, high: IntList, value: Handle, mode?: string, stream?: StreamTriple): Handle;
  repeat(a: Handle, repeats: number, axis?: number, stream?: StreamTriple): Handle;
  tile(a: Handle, reps: IntList, stream?: StreamTriple): Handle;
  close(a: Handle, b: Handle, rtol: number, atol: number, equalNan: boolean, all: boolean, stream?: StreamTriple): Handle;
  outer(a: Handle, b: Handle, stream?: StreamTriple): Handle;
  depends(inputs: HandleList, dependencies: HandleList): Uint32Array;

  // fast
  rmsNorm(x: Handle, weight: Handle | undefined, eps: number, stream?: StreamTriple, cpuKernel?: boolean): Handle;
  cpuRmsNorm(x: Handle, weight: Handle | undefined, eps: number, stream?: StreamTriple): Handle;
  residualRmsNorm(x: Handle, y: Handle, postWeight: Handle | undefined, nextWeight: Handle, eps: number, stream?: StreamTriple): Uint32Array;
  matVec(x: Handle, w: Handle, stream?: StreamTriple): Handle;
  rmsNormRope(
    x: Handle,
    weight: Handle,
    eps: number,
    dims: number,
    traditional: boolean,
    base: number | undefined,
    scale: number,
    offset: number,
    offsetIsArray: boolean,
    freqs: Handle | undefined,
    stream?: StreamTriple,
  ): Handle;
  ropeHeads(
    proj: Handle,
    nq: number,
    nkv: number,
    qWeight: Handle | undefined,
    kWeight: Handle | undefined,
    eps: number,
    dims: number,
    traditional: boolean,
    base: number | undefined,
    scale: number,
    offset: number,
    offsetIsArray: boolean,
    freqs: Handle | undefined,
    stream?: StreamTriple,
  ): Uint32Array;
  layerNorm(x: Handle, weight: Handle | undefined, bias: Handle | undefined, eps: number, stream?: StreamTriple): Handle;
  rope(
    x: Handle,
    dims: number,
    traditional: boolean,
    base: number | undefined,
    scale: number,
    offset: number,
    offsetIsArray: boolean,
    freqs?: Handle,
    stream?: StreamTriple,
    cpuKernel?: boolean,
  ): Handle;
  cpuRope(
    x: Handle,
    dims: number,
    traditional: boolean,
    base: number | undefined,
    scale: number,
    offset: number,
    offsetIsArray: boolean,
    freqs?: Handle,
    stream?: StreamTriple,
  ): Handle;
  scaledDotProductAttention(
    q: Handle,
    k: Handle,
    v: Handle,
    scale: number,
    maskMode: '' | 'causal' | 'array',
    mask?: Handle,
    sinks?: Handle,
    stream?: StreamTriple,
    cpuKernel?: boolean,
  ): Handle;

  logitsTopK(logits: Handle, k: number, stream?: StreamTriple): Uint32Array;
  applyTokenBitmask(logits: Handle, words: Handle, stream?: StreamTriple): Handle;

  // quantized
  quantize(w: Handle, groupSize: number | undefined, bits: number | undefined, mode: string, stream?: StreamTriple): Uint32Array;
  dequantize(
    w: Handle,
    scales: Handle,
    biases: Handle | undefined,
    groupSize: number | undefined,
    bits: number | undefined,
    mode: string,
    dtype?: number,
    stream?: StreamTriple,
  ): Handle;
  quantizedMatmul(
    x: Handle,
    w: Handle,
    scales: Handle,
    biases: Handle | undefined,
    transpose: boolean,
    groupSize: number | undefined,
    bits: number | undefined,
    mode: string,
    stream?: StreamTriple,
    cpuKernel?: boolean,
  ): Handle;
  cpuQuantizedMatmul(
    x: Handle,
    w: Handle,
    scales: Handle,
    biases: Handle | undefined,
    groupSize: number | undefined,
    bits: number | undefined,
    stream?: StreamTriple,
    int8Activations?: boolean,
    biasFactor?: number,
  ): Handle;
  cpuGeluTanh(x: Handle, stream?: StreamTriple): Handle;
  cpuKernelInfo(): { isa: 'scalar' | 'avx2' | 'avx512'; bestIsa: 'scalar' | 'avx2' | 'avx512'; threads: number; int8Activations: boolean };
  setCpuKernelInt8Activations(on: boolean): void;
  setCpuKernelThreads(n: number): void;
  setCpuKernelIsa(isa: 'scalar' | 'avx2' | 'avx512'): boolean;

  // random
  randomSeed(seed: number): void;
  randomKey(seed: number): Handle;
  randomSplit(key: Handle, num: number, stream?: StreamTriple): Handle;
  randomUniform(low: Handle, high: Handle, shape: IntList, dtype: number, key?: Handle, stream?: StreamTriple): Handle;
  randomNormal(shape: IntList, dtype: number, loc: number, scale: number, key?: Handle, stream?: StreamTriple): Handle;
  randomRandint(low: number, high: number, shape: IntList, dtype: number, key?: Handle, stream?: StreamTriple): Handle;
  randomGumbel(shape: IntList, dtype: number, key?: Handle, stream?: StreamTriple): Handle;
  randomBernoulli(p: Handle, shape?: IntList, key?: Handle, stream?: StreamTriple): Handle;
  randomCategorical(logits: Handle, axis: number, numSamples?: number, key?: Handle, stream?: StreamTriple): Handle;

  // io
  loadSafetensors(path: string, stream?: StreamTriple): { arrays: Record<string, Handle>; metadata: Record<string, string> };
  saveSafetensors(path: string, names: string[], arrays: HandleList, metadata?: Record<string, string>): void;

  // memory
  getActiveMemory(): number;
  getPeakMemory(): number;
  getCacheMemory(): number;
  getMemoryLimit(): number;
  resetPeakMemory(): void;
  clearCache(): void;
  reduceJsHeap(): boolean;
  setCacheLimit(bytes: number): number;
  setMemoryLimit(bytes: number): number;
  setWiredLimit(bytes: number): number;

  // devices and streams
  defaultDevice(): Int32Array;
  setDefaultDevice(device: DeviceRef): void;
  deviceIsAvailable(device: DeviceRef): boolean;
  deviceCount(type: number): number;
  deviceInfo(device: DeviceRef): Record<string, string | number>;
  defaultStream(device: DeviceRef): Int32Array;
  newStream(device: DeviceRef): Int32Array;
  setDefaultStream(stream: StreamTriple): void;
  synchronize(stream?: StreamTriple): void;

  // distributed (groups are ids; [id, rank, size] describes one)
  distributedIsAvailable(backend?: string): boolean;
  distributedInit(strict: boolean, backend: string, timeoutMs?: number): Int32Array;
  distributedSplit(group: number, color: number, key?: number): Int32Array;
  distributedCollective(kind: number, x: Handle, group?: number, stream?: StreamTriple): Handle;
  distributedSend(x: Handle, dst: number, group?: number, stream?: StreamTriple): Handle;
  distributedRecv(shape: IntList, dtype: number, src: number, group?: number, stream?: StreamTriple): Handle;
  distributedRecvLike(like: Handle, src: number, group?: number, stream?: StreamTriple): Handle;
  distributedExitOnStreamError(collectiveLine: string, otherLine: string, code: number, pollMs: number): void;
  distributedExitNow(code: number, line?: string): never;
  distributedExitOnLostPeer(line: string, code: number): void;
  distributedExpectPeersToLeave(): void;

  // transforms
  compile(fn: (inputs: Uint32Array) => Handle | Uint32Array, shapeless: boolean): number;
  callCompiled(id: number, inputs: HandleList): Uint32Array;
  releaseCompiled(id: number): void;
  setCompileDisabled(disabled: boolean): void;
}
