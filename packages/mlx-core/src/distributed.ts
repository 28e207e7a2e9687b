// mx.distributed: MLX's communication layer. The environment conventions are MLX's own
// (MLX_RANK, MLX_HOSTFILE, MLX_RING_VERBOSE, ...), so processes started by Python's
// `mlx.launch` and by ours join the same groups. Every op is lazy, like the rest of mx.
import { type Array, wrap } from './array.js';
import { type Dtype, dtypeCode } from './dtype.js';
import { DistributedError, MlxError } from './errors.js';
import { native } from './native.js';
import { handleOf } from './ops.js';

export type DistributedBackend = 'any' | 'ring' | 'mpi' | 'nccl' | 'jaccl';

const backends: readonly DistributedBackend[] = ['any', 'ring', 'mpi', 'nccl', 'jaccl'];

/** A set of processes that communicate; ranks are 0..size-1. */
export class Group {
  /** @internal */
  constructor(
    /** @internal the addon's group id */
    readonly id: number,
    readonly rank: number,
    readonly size: number,
  ) {}

  /**
   * Splits the group: processes giving the same color form a new group, ordered by key (the
   * current rank when key is omitted). Not every backend supports it (ring does not).
   */
  split(color: number, key?: number): Group {
    return fromInfo(native().distributedSplit(this.id, color, key));
  }
}

function fromInfo(info: Int32Array): Group {
  return new Group(info[0], info[1], info[2]);
}

export interface InitOptions {
  /** Which backend; 'any' tries those compiled in and configured by the environment. Default 'any'. */
  backend?: DistributedBackend;
  /** Throw when no backend can start, instead of returning a group of size 1. Default false. */
  strict?: boolean;
  /**
   * MLX's backends wait for their peers without a deadline and cannot be interrupted; when the
   * peers are not all connected after this long the process prints why and exits (code 75).
   * 0 waits forever, as MLX does. Default 60000, or MLX_TS_DISTRIBUTED_TIMEOUT_MS.
   */
  timeoutMs?: number;
}

/** True when the backend (any backend when omitted) is compiled into this MLX. */
export function isAvailable(backend?: DistributedBackend): boolean {
  return native().distributedIsAvailable(backend);
}

function defaultTimeout(): number {
  const env = Number(process.env.MLX_TS_DISTRIBUTED_TIMEOUT_MS);
  return Number.isFinite(env) && env >= 0 ? env : 60_000;
}

/** Starts MLX's distributed backend (once per backend; later calls return the same group). */
export function init(options: InitOptions = {}): Group {
  const { backend = 'any', strict = false, timeoutMs = defaultTimeout() } = options;
  if (!backends.includes(backend)) throw new TypeError(`distributed.init: backend must be one of ${backends.join(', ')}, got ${JSON.stringify(backend)}`);
  if (!(timeoutMs >= 0)) throw new TypeError('distributed.init: timeoutMs must be a non-negative number');
  try {
    return fromInfo(native().distributedInit(strict, backend, timeoutMs));
  } catch (error) {
    // Every failure names the backends this MLX has, the native side's own DistributedErrors
    // (a backend that is present but cannot start, e.g. MPI without mpirun) included.
    if (!MlxError.isInstance(error) || error.message.includes('backends in this MLX')) throw error;
    const compiled = backends.filter((b) => b !== 'any' && isAvailable(b));
    throw new DistributedError(`distributed.init({ backend: '${backend}' }): ${error.message} (backends in this MLX: ${compiled.join(', ') || 'none'})`, {
      cause: error,
    });
  }
}

export interface CollectiveOptions {
  /** The group to communicate in; default the group init() returned. */
  group?: Group;
}

function groupId(options: CollectiveOptions | undefined): number | undefined {
  const group = options?.group;
  if (group === undefined) return undefined;
  if (!(group instanceof Group)) throw new TypeError('distributed: options.group must be a Group from distributed.init()');
  return group.id;
}

const collective =
  (kind: number, name: string) =>
  (x: Array, options?: CollectiveOptions): Array =>
    wrap(native().distributedCollective(kind, handleOf(x, name), groupId(options)));

/** Elementwise sum of x over the ranks of the group; every rank gets the result. */
export const allSum = collective(0, 'allSum');
/** The ranks' x concatenated along axis 0, in rank order. */
export const allGather = collective(1, 'allGather');
/** Elementwise maximum over the ranks. */
export const allMax = collective(2, 'allMax');
/** Elementwise minimum over the ranks. */
export const allMin = collective(3, 'allMin');
/** The sum over ranks, split along axis 0 with each rank keeping its part (not on ring). */
export const sumScatter = collective(4, 'sumScatter');

/**
 * Sends x to rank dst. The result is an array to evaluate (the send happens when it is);
 * the ring backend reaches only its direct neighbours.
 */
export function send(x: Array, dst: number, options?: CollectiveOptions): Array {
  return wrap(native().distributedSend(handleOf(x, 'send'), dst, groupId(options)));
}

/** Receives an array of this shape and dtype from rank src. */
export function recv(shape: readonly number[], dtype: Dtype, src: number, options?: CollectiveOptions): Array {
  return wrap(native().distributedRecv(shape, dtypeCode(dtype), src, groupId(options)));
}

/** Receives an array shaped and typed like `like` from rank src. */
export function recvLike(like: Array, src: number, options?: CollectiveOptions): Array {
  return wrap(native().distributedRecvLike(handleOf(like, 'recvLike'), src, groupId(options)));
}

export interface ExitOnStreamErrorOptions {
  /** The line printed when a collective failed; "{error}" in it is replaced by MLX's message. */
  collective: string;
  /** The line printed when another operation on the stream failed; "{error}" as above. */
  other: string;
  /** The exit code. Default 1. */
  code?: number;
  /** How often the stream is checked. Default 20 ms. */
  pollMs?: number;
}

/**
 * Ends the process, with one line on stderr, as soon as an operation on this thread's CPU stream
 * (the one collectives run on) fails. For a process whose work is a distributed group's: a ring
 * collective whose peer died fails the transfers in flight, but the collectives evaluated after
 * it wait forever on the dead connection, so no evaluation behind them ever settles or fails and
 * the process would hang. Call it on the thread that runs the collectives; it cannot be undone.
 */
export function exitOnStreamError(options: ExitOnStreamErrorOptions): void {
  const { collective, other, code = 1, pollMs = 20 } = options;
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new TypeError(`distributed.exitOnStreamError: code must be an integer in [0, 255], got ${code}`);
  if (!Number.isInteger(pollMs) || pollMs < 1) throw new TypeError(`distributed.exitOnStreamError: pollMs must be a positive integer, got ${pollMs}`);
  native().distributedExitOnStreamError(String(collective), String(other), code, pollMs);
}

export interface ExitOnLostPeerOptions {
  /** The line printed; "{error}" in it is replaced by which connection closed or failed, and how. */
  line: string;
  /** The exit code. Default 1. */
  code?: number;
}

/**
 * Ends the process, with one line on stderr, as soon as a TCP connection of the ring group that
 * init() started is closed by its peer or fails: a peer that died is seen at once, wherever this
 * process is (idle, or inside a collective that MLX would leave waiting forever on the dead
 * connection). Only the ring backend's connections (those to and from MLX_HOSTFILE's ports) are
 * watched. Call expectPeersToLeave() before a deliberate stop.
 */
export function exitOnLostPeer(options: ExitOnLostPeerOptions): void {
  const { line, code = 1 } = options;
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new TypeError(`distributed.exitOnLostPeer: code must be an integer in [0, 255], got ${code}`);
  native().distributedExitOnLostPeer(String(line), code);
}

/**
 * The group is ending on purpose: from now on peers closing their connections is how the stop
 * looks, not a failure, and exitOnLostPeer's watch ends. It cannot be undone.
 */
export function expectPeersToLeave(): void {
  native().distributedExpectPeersToLeave();
}

/**
 * Ends the process at once with `code`, after writing `line` (and a newline) to stderr, waiting
 * for room when stderr is a full non-blocking pipe. After a collective failed, a
 * stream thread can stay blocked forever on the dead connection, and process.exit (which stops
 * worker threads and waits for their pending work) would wait with it.
 */
export function exitNow(code: number, line?: string): never {
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new TypeError(`distributed.exitNow: code must be an integer in [0, 255], got ${code}`);
  return native().distributedExitNow(code, line === undefined ? undefined : String(line));
}
