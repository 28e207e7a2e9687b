// The batching engine. One scheduler owns the model and its batch caches and runs, per
// iteration: at most one prefill chunk of the next waiting request (so running rows stall for at
// most one chunk) — or, when several short requests wait, one forward pass over all their prompts,
// left-padded to the longest — then one decode step [B, 1] for every live row. Step n+1 is built from the
// tokens of step n while they are still on the device and scheduled before step n is read, so
// one step is always in flight. A request whose prompt is processed joins the batch at the next
// step; finished, stopped or cancelled rows leave at the next step. `n` rows of one request
// share its prefill. Past the row and KV-token limits, requests wait in a bounded queue.
import { totalmem } from 'node:os';
import * as mx from '@mlx-ts/core';
import { BatchKVCache } from '@mlx-ts/cache';
import type { LanguageModel } from '@mlx-ts/models';
import { type LogitsProcessor, type RowSampler, applyLogitsProcessors, logprobs as computeLogprobs, sampleRows } from '@mlx-ts/sample';
import { BackendBusyError, BackendClosedError } from '../errors.js';
import { PrefixTrie } from './prefix-trie.js';
import { Sequence, type SequenceSettings } from './sequence.js';
import type { StepLeader } from './step-broadcast.js';

export interface SchedulerOptions {
  /** Rows decoded together at most (default 16). */
  maxBatch?: number;
  /** Tokens held in the KV caches by running rows at most; requests past it wait (default: from memory). */
  maxKvTokens?: number;
  /** Requests that may wait; past it submit() throws BackendBusyError (default 64). */
  maxQueue?: number;
  /** Prompt tokens per prefill forward pass (default 2048). */
  prefillChunkSize?: number;
  /** Memory for cached prompt prefixes across requests (default 256 MiB; 0 turns reuse off). */
  prefixCacheBytes?: number;
  /** Store the KV caches quantized to this many bits (2–8, as mlx-lm's --kv-bits); plain when omitted. */
  kvBits?: number;
  /** Quantization group size along the head dimension (default 64). */
  kvGroupSize?: number;
  /** Waiting requests prefilled together in one padded forward pass at most (default 8, as mlx-lm; 1 turns it off). */
  prefillBatch?: number;
  /** Distributed inference: announce every forward pass to the other ranks (see step-broadcast). */
  leader?: StepLeader;
}

/** How often an idle rank 0 checks that the other ranks are still there. */
const PING_MS = 1000;

export interface SequenceRequest {
  promptIds: readonly number[];
  /** One entry per row (n > 1: n rows over one prefill). */
  rows: SequenceSettings[];
}

/** A submitted request: its rows, and what its prefill found in the prefix cache. */
export interface SubmittedRequest {
  readonly sequences: readonly Sequence[];
  /** Resolves with the prompt tokens reused from cache when the request starts its prefill. */
  readonly started: Promise<{ cachedTokens: number; queueMs: number }>;
  /** Stops every row (the rows leave the batch at the next step, a waiting request the queue). */
  cancel(): void;
}

interface Pending {
  request: SequenceRequest;
  sequences: Sequence[];
  enqueuedAt: number;
  start: (info: { cachedTokens: number; queueMs: number }) => void;
}

interface Prefill {
  pending: Pending;
  caches: BatchKVCache[];
  rest: readonly number[];
  /** A chunk of it was announced to the other ranks (distributed inference). */
  announced: boolean;
}

interface Step {
  rows: Sequence[];
  token: mx.Array;
  logprob?: mx.Array;
  topIds?: mx.Array;
  topValues?: mx.Array;
  /**
   * Each constrained row's token, as handed to its processors' didSample: evaluated with the step,
   * so that a processor reading it next step waits for this step only, not for a new op queued
   * behind the next forward pass.
   */
  sampled?: mx.Array[];
  done: Promise<void>;
}

/** Prompt tokens through the model and tokens generated, counted since the start (for metrics). */
export interface SchedulerCounters {
  promptTokens: number;
  cachedPromptTokens: number;
  generatedTokens: number;
  steps: number;
  /** Forward passes that prefilled several requests at once. */
  groupedPrefills: number;
}

/** Two prompts sharing this many leading tokens are not prefilled together while the prefix cache keeps prefixes: the second waits to reuse the first's cache. */
const SHARED_PREFIX_TOKENS = 32;

const CLEAR_CACHE_EVERY = 256;
/** Prompt tokens of a prefill past which its buffers are handed back once it ends. */
const TRIM_AFTER_PROMPT = 256;

type StepArrays = Omit<Step, 'done' | 'rows'>;

/**
 * Requests whose prefill just ended: their rows, the rows' first tokens, and their caches. One
 * prompt with n rows has one-row caches; a padded group has one cache row per request.
 */
type Joined = { sequences: Sequence[]; token: mx.Array; caches: BatchKVCache[]; prompts: readonly (readonly number[])[] };

function stepArrays(step: StepArrays): mx.Array[] {
  return [step.token, step.logprob, step.topIds, step.topValues, ...(step.sampled ?? [])].filter((a): a is mx.Array => a !== undefined);
}

/** What a step keeps once read: its token feeds the next step; the rest is released. */
function readArrays(step: StepArrays): mx.Array[] {
  return [step.logprob, step.topIds, step.topValues, ...(step.sampled ?? [])].filter((a): a is mx.Array => a !== undefined);
}

/**
 * Keeps the rows `keep` of every layer's cache. Under pipeline parallelism the layers of other
 * ranks' stages are never run here, so their caches hold no rows and are left alone.
 */
export function filterRows(caches: readonly BatchKVCache[], keep: readonly number[]): void {
  for (const cache of caches) if (cache.batchSize > 0) cache.filter(keep);
}

export class BatchScheduler {
  readonly maxBatch: number;
  readonly maxQueue: number;
  /** Set from the options, else from the device's free memory once the first prompt shows the KV size per token. */
  maxKvTokens: number;
  readonly prefillChunkSize: number;
  readonly counters: SchedulerCounters = { promptTokens: 0, cachedPromptTokens: 0, generatedTokens: 0, steps: 0, groupedPrefills: 0 };
  readonly prefillBatch: number;
  private readonly windows: (number | undefined)[];
  private readonly kvQuantization: { bits?: number; groupSize?: number };
  private readonly trie: PrefixTrie;
  private readonly waiting: Pending[] = [];
  private prefill: Prefill | undefined;
  private caches: BatchKVCache[];
  private current: Step | undefined;
  /** The first step after a long prompt's prefill: once it is read, the prefill's buffers are free. */
  private trimAfter: Step | undefined;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private closed = false;
  private autoKvTokens: boolean;
  /** Rows whose processors threw while a step was built; failed once the step's sampling is built. */
  private failedRows: [Sequence, unknown][] = [];
  /**
   * A stream of the scheduler's own for the model's work, on a GPU with MLX_TS_GPU_STREAM=own (as
   * mlx-lm's generation stream). Off by default: on an H200, with views no longer reported as
   * external memory, the default stream prefilled faster (270M: 31k against 23k tokens/s; TTFT
   * 16.5 against 23.8 ms) and decoded as fast or faster. Created lazily on the thread that runs
   * the loop (MLX streams are thread-affine).
   */
  private stream: mx.Stream | undefined;
  private readonly leader: StepLeader | undefined;

  constructor(
    private readonly model: LanguageModel,
    options: SchedulerOptions = {},
  ) {
    const template = model.makeCache();
    this.windows = template.map((cache) => cache.maxSize);
    for (const cache of template) cache.dispose();
    this.maxBatch = options.maxBatch ?? 16;
    this.maxQueue = options.maxQueue ?? 64;
    this.maxKvTokens = options.maxKvTokens ?? Number.POSITIVE_INFINITY;
    this.autoKvTokens = options.maxKvTokens === undefined;
    this.prefillChunkSize = options.prefillChunkSize ?? 2048;
    this.prefillBatch = Math.max(1, options.prefillBatch ?? 8);
    this.trie = new PrefixTrie(options.prefixCacheBytes ?? 256 * 1024 * 1024);
    this.kvQuantization = { bits: options.kvBits, groupSize: options.kvGroupSize };
    this.leader = options.leader;
    this.caches = this.makeCaches();
  }

  private makeCaches(): BatchKVCache[] {
    return this.windows.map((windowSize) => new BatchKVCache({ windowSize, ...this.kvQuantization }));
  }

  /** Rows in the decode batch now. */
  get activeSequences(): number {
    return this.current?.rows.filter((r) => !r.finished).length ?? 0;
  }

  /** Requests waiting for room (the one in prefill not counted). */
  get queueDepth(): number {
    return this.waiting.length;
  }

  /** Tokens the running rows hold in the KV caches. */
  get kvTokensInUse(): number {
    return (this.current?.rows ?? []).reduce((sum, r) => sum + (r.finished ? 0 : r.kvTokens), 0);
  }

  /** Bytes held by cached prompt prefixes. */
  get prefixCacheBytes(): number {
    return this.trie.sizeBytes;
  }

  /** Forgets every cached prompt prefix. */
  clearPrefixCache(): void {
    this.trie.clear();
  }

  submit(request: SequenceRequest): SubmittedRequest {
    if (this.closed) throw new BackendClosedError();
    if (this.leader?.failed) throw this.leader.failed;
    // A request that can start now never counts against the queue; past that, only a full queue refuses.
    const startsNow = this.waiting.length === 0 && !this.prefill && this.activeSequences + request.rows.length <= this.maxBatch;
    if (!startsNow && this.waiting.length >= this.maxQueue) throw new BackendBusyError(this.waiting.length);
    const sequences = request.rows.map((settings) => new Sequence(settings, request.promptIds.length));
    let start!: Pending['start'];
    const started = new Promise<{ cachedTokens: number; queueMs: number }>((resolve) => (start = resolve));
    const pending: Pending = { request, sequences, enqueuedAt: performance.now(), start };
    this.waiting.push(pending);
    this.kick();
    return {
      sequences,
      started,
      cancel: () => {
        for (const s of sequences) s.cancelled = true;
        const index = this.waiting.indexOf(pending);
        if (index >= 0) {
          this.waiting.splice(index, 1);
          pending.start({ cachedTokens: 0, queueMs: performance.now() - pending.enqueuedAt });
          for (const s of sequences) s.end('cancel');
        }
        this.kick();
      },
    };
  }

  private kick(): void {
    if (this.wake) {
      const wake = this.wake;
      this.wake = undefined;
      wake();
    }
    this.loopDone ??= this.loop().finally(() => (this.loopDone = undefined));
  }

  /** Whether the next waiting request fits beside the running rows. */
  private admissible(): boolean {
    const next = this.waiting[0];
    if (!next) return false;
    const rows = this.current?.rows.filter((r) => !r.finished) ?? [];
    if (rows.length === 0) return true;
    if (rows.length + next.sequences.length > this.maxBatch) return false;
    return this.kvTokensInUse + next.request.promptIds.length * next.sequences.length <= this.maxKvTokens;
  }

  private async loop(): Promise<void> {
    let worked = false;
    for (;;) {
      if (!this.current && !this.prefill && this.waiting.length === 0) {
        if (worked) {
          // Going idle: the finished requests' KV caches and step buffers sit in MLX's cache and
          // malloc's free lists (tens of MB); give them back until work comes.
          worked = false;
          mx.memory.clearCache();
        }
        if (this.closed) return;
        await this.idle();
        continue;
      }
      worked = true;
      try {
        await this.iterate();
      } catch (error) {
        this.failAll(error);
        this.leader?.check(error);
      }
    }
  }

  /** Runs fn with the scheduler's stream as the default one, when it has one (see `stream`). */
  private onStream<T>(fn: () => T): T {
    if (mx.defaultDevice().type !== 'gpu' || process.env.MLX_TS_GPU_STREAM !== 'own') return fn();
    this.stream ??= mx.newStream(mx.defaultDevice());
    return mx.withStream(this.stream, fn);
  }

  /** Waits for work; a distributed rank 0 pings the group meanwhile, so a lost rank shows at once. */
  private async idle(): Promise<void> {
    const woken = new Promise<boolean>((resolve) => (this.wake = () => resolve(true)));
    if (!this.leader || this.leader.failed) {
      await woken;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PING_MS)));
    const work = await Promise.race([woken, timedOut]);
    clearTimeout(timer);
    if (!work) {
      this.wake = undefined;
      await this.leader.ping();
    }
  }

  private async iterate(): Promise<void> {
    let joined: Joined | undefined;
    if (this.prefill || this.admissible()) {
      joined = await this.prefillChunk();
    }
    const previous = this.current;
    const next = this.onStream(() => this.launchStep(previous, joined));
    this.current = next;
    if (joined && joined.prompts.reduce((sum, p) => sum + p.length, 0) >= TRIM_AFTER_PROMPT) this.trimAfter = next;
    if (previous) {
      try {
        await previous.done;
        this.read(previous);
      } finally {
        mx.dispose(stepArrays(previous));
      }
      if (previous === this.trimAfter) {
        // A prefill's activations (512 tokens of Gemma 3 270M: ~80 MB) sit in MLX's cache and in
        // malloc's free lists, which decode steps, a few MB each, never reuse in full.
        this.trimAfter = undefined;
        mx.memory.clearCache();
      }
    }
    this.counters.steps++;
    if (this.counters.steps % CLEAR_CACHE_EVERY === 0) mx.memory.clearCache();
  }

  /** Builds and queues the decode step after `previous`: its live rows plus the rows that joined. */
  private launchStep(previous: Step | undefined, joined: Joined | undefined): Step | undefined {
    const keep: number[] = [];
    previous?.rows.forEach((row, i) => {
      if (row.live()) keep.push(i);
    });
    const rows = keep.map((i) => previous!.rows[i]);
    if (previous && keep.length < previous.rows.length) filterRows(this.caches, keep);
    const inputs: mx.Array[] = [];
    if (previous && keep.length > 0)
      inputs.push(keep.length === previous.rows.length ? mx.array(previous.token) : mx.tidy(() => mx.take(previous.token, mx.array(keep, 'int32'))));
    let joinedRows = 0;
    if (joined) {
      const alive: number[] = [];
      joined.sequences.forEach((s, i) => {
        if (s.live()) alive.push(i);
      });
      if (joined.prompts.length === 1) {
        // One prompt: its one-row caches join once per live row (n rows share them).
        for (const i of alive) {
          this.caches.forEach((cache, layer) => cache.extend(joined!.caches[layer]));
          rows.push(joined.sequences[i]);
        }
        this.trie.insert(joined.prompts[0], joined.caches);
      } else {
        // A padded group: each request's row is kept for prefix reuse (a copy, so that it does not
        // hold the group's buffers), then the live rows join.
        joined.prompts.forEach((prompt, b) => {
          this.trie.insert(
            prompt,
            joined!.caches.map((cache) => cache.extract(b, { copy: true })),
          );
        });
        if (alive.length > 0) {
          if (alive.length < joined.sequences.length) filterRows(joined.caches, alive);
          this.caches.forEach((cache, layer) => cache.extend(joined!.caches[layer]));
          for (const i of alive) rows.push(joined.sequences[i]);
        }
        for (const cache of joined.caches) cache.dispose();
      }
      joinedRows = alive.length;
      if (alive.length > 0) inputs.push(mx.tidy(() => mx.take(joined!.token, mx.array(alive, 'int32'))));
      mx.dispose(joined.token);
    }
    let next: Step | undefined;
    if (rows.length > 0) {
      const rowOps = { hasPrevious: previous !== undefined, keep: previous && keep.length < previous.rows.length ? keep : undefined, joins: joinedRows };
      const input = mx.tidy(() => {
        const local = mx.reshape(inputs.length === 1 ? inputs[0] : mx.concatenate(inputs, 0), [rows.length, 1]);
        return this.leader ? this.leader.decode({ ...rowOps, tokens: local }) : local;
      });
      mx.dispose(inputs);
      try {
        const arrays = mx.tidy(() => this.sample(this.model.forward(input, this.caches), rows));
        this.failRows();
        next = {
          ...arrays,
          rows,
          done: mx.asyncEval(
            stepArrays(arrays),
            this.caches.flatMap((c) => [...c.state]),
          ),
        };
      } catch (error) {
        // Rows that joined at this step are in no step yet, so failAll would not reach them and
        // their requests would wait forever.
        for (const row of rows) row.fail(error);
        throw error;
      } finally {
        input.dispose();
      }
    } else {
      mx.dispose(inputs);
      if (this.caches.some((c) => c.batchSize > 0)) for (const cache of this.caches) cache.reset();
    }
    return next;
  }

  /** Logits of the last position of each row → processed logits → tokens (and logprobs), all on the device. */
  private sample(hidden: mx.Array, rows: readonly Sequence[]): StepArrays {
    const [batch, length, width] = hidden.shape;
    const last = length > 1 ? mx.slice(hidden, [0, length - 1, 0], [batch, length, width]) : hidden;
    let logits = mx.reshape(this.model.unembed(last), [batch, -1]);
    if (batch === 1 && rows.length > 1) logits = mx.broadcastTo(logits, [rows.length, logits.shape[1]]);
    const vocabulary = logits.shape[1];
    const rowLogits = (i: number) => mx.slice(logits, [i, 0], [i + 1, vocabulary]);
    if (rows.some((r) => r.settings.processors.length > 0)) {
      // Start the forward pass now: processors wait on the host for their row's previous token
      // and compute masks meanwhile. One evaluation for all rows: MLX blocks a new evaluation
      // while many of its tasks are in flight, so one per row serialized the step.
      mx.asyncEval(logits).catch(() => undefined);
      logits = mx.concatenate(
        rows.map((r, i) => {
          // A processor that throws (a grammar refusing a token) fails its own row, not the batch.
          try {
            return applyLogitsProcessors(r.settings.processors, rowLogits(i));
          } catch (error) {
            this.failedRows.push([r, error]);
            return rowLogits(i);
          }
        }),
        0,
      );
    }
    const token = sampleRows(
      logits,
      rows.map((r) => r.settings.sampler as RowSampler),
    );
    const sampled: mx.Array[] = [];
    rows.forEach((r, i) => {
      const processors: readonly LogitsProcessor[] = r.settings.processors;
      if (processors.length === 0 || this.failedRows.some(([row]) => row === r)) return;
      const own = mx.slice(token, [i], [i + 1]);
      sampled.push(own);
      for (const processor of processors) processor.didSample?.(own);
    });
    const out: StepArrays = { token, ...(sampled.length > 0 ? { sampled } : {}) };
    if (rows.some((r) => r.settings.logprobs)) {
      const topN = Math.max(0, ...rows.map((r) => (r.settings.logprobs ? r.settings.topLogprobs : 0)));
      const lp = computeLogprobs(logits, token, topN > 0 ? topN : undefined);
      out.logprob = lp.logprob;
      if (lp.top) {
        out.topIds = lp.top.ids;
        out.topValues = lp.top.values;
      }
    }
    return out;
  }

  /** Hands each live row of an evaluated step its token. */
  private read(step: Omit<Step, 'done'>): void {
    const ids = step.token.toTypedArray() as Int32Array;
    const logprob = step.logprob?.toTypedArray() as Float32Array | undefined;
    const topIds = step.topIds?.toTypedArray() as Int32Array | Uint32Array | undefined;
    const topValues = step.topValues?.toTypedArray() as Float32Array | undefined;
    const width = step.topIds ? step.topIds.shape[1] : 0;
    step.rows.forEach((row, i) => {
      if (row.finished) return;
      const token: { id: number; logprob?: number; top?: { ids: number[]; logprobs: number[] } } = { id: ids[i] };
      if (row.settings.logprobs && logprob) {
        token.logprob = logprob[i];
        const n = row.settings.topLogprobs;
        if (n > 0 && topIds && topValues) {
          token.top = {
            ids: Array.from(topIds.subarray(i * width, i * width + n), Number),
            logprobs: Array.from(topValues.subarray(i * width, i * width + n)),
          };
        }
      }
      this.counters.generatedTokens++;
      row.deliver(token);
    });
  }

  /**
   * Runs one prefill chunk of the request at the head of the queue. Returns the request once its
   * whole prompt is in its own one-row caches and its first tokens are sampled and delivered.
   */
  private async prefillChunk(): Promise<Joined | undefined> {
    if (!this.prefill) {
      const group = this.takeGroup();
      if (group) return this.prefillGroup(group);
    }
    if (!this.prefill) {
      const pending = this.waiting.shift()!;
      const prompt = pending.request.promptIds;
      const match = this.trie.lookup(prompt);
      const caches = match?.caches ?? this.makeCaches();
      const cachedTokens = match?.length ?? 0;
      this.counters.cachedPromptTokens += cachedTokens;
      pending.start({ cachedTokens, queueMs: performance.now() - pending.enqueuedAt });
      for (const s of pending.sequences) for (const p of s.settings.processors) p.prompt?.([...prompt]);
      this.prefill = { pending, caches, rest: prompt.slice(cachedTokens), announced: false };
    }
    const prefill = this.prefill;
    const { sequences } = prefill.pending;
    try {
      if (sequences.every((s) => !s.live())) {
        this.prefill = undefined;
        for (const cache of prefill.caches) cache.dispose();
        return undefined;
      }
      // The other ranks start new prefill caches at the first chunk announced.
      const fresh = !prefill.announced;
      prefill.announced = true;
      if (prefill.rest.length > this.prefillChunkSize) {
        const chunk = prefill.rest.slice(0, this.prefillChunkSize);
        // The hidden state is evaluated too: under pipeline parallelism it carries this rank's send.
        const hidden = this.onStream(() => mx.tidy(() => this.model.forward(this.tokens(chunk, fresh, false), prefill.caches)));
        try {
          await mx.asyncEval(
            hidden,
            prefill.caches.flatMap((c) => [...c.state]),
          );
        } finally {
          hidden.dispose();
        }
        this.counters.promptTokens += chunk.length;
        prefill.rest = prefill.rest.slice(this.prefillChunkSize);
        mx.memory.clearCache();
        return undefined;
      }
      // The last chunk goes through the first sampling step: logits of its last position only.
      const tail = prefill.rest;
      const step = {
        ...this.onStream(() => mx.tidy(() => this.sample(this.model.forward(this.tokens(tail, fresh, true), prefill.caches), sequences))),
        rows: sequences,
      };
      this.failRows();
      try {
        await mx.asyncEval(
          stepArrays(step),
          prefill.caches.flatMap((c) => [...c.state]),
        );
        this.counters.promptTokens += tail.length;
        this.prefill = undefined;
        if (this.autoKvTokens) this.sizeKvBudget(prefill.caches);
        this.read(step);
      } catch (error) {
        mx.dispose(stepArrays(step));
        throw error;
      }
      mx.dispose(readArrays(step));
      return { sequences, token: step.token, caches: prefill.caches, prompts: [prefill.pending.request.promptIds] };
    } catch (error) {
      this.prefill = undefined;
      for (const cache of prefill.caches) cache.dispose();
      for (const s of sequences) s.fail(error);
      this.leader?.check(error);
      return undefined;
    }
  }

  /** A prefill pass's input [1, L], announced to the other ranks when distributed. */
  private tokens(ids: readonly number[], fresh: boolean, logits: boolean): mx.Array {
    return this.leader ? this.leader.prefill(ids, fresh, logits) : mx.array([[...ids]], 'int32');
  }

  /**
   * The waiting requests, from the head, that one padded forward pass can prefill: one row each, a
   * prompt that fits one chunk, nothing to reuse from the prefix cache, and no long prefix shared
   * with an earlier one (that one's cache will serve it). At least two, or none.
   */
  private takeGroup(): Pending[] | undefined {
    // The other ranks of a distributed group follow one prompt at a time (see step-broadcast).
    if (this.prefillBatch < 2 || this.waiting.length < 2 || this.autoKvTokens || this.leader) return undefined;
    const running = this.current?.rows.filter((r) => !r.finished) ?? [];
    let kvTokens = this.kvTokensInUse;
    let widest = 0;
    const group: Pending[] = [];
    for (const pending of this.waiting) {
      const prompt = pending.request.promptIds;
      if (group.length === this.prefillBatch || pending.sequences.length !== 1 || prompt.length > this.prefillChunkSize) break;
      if (running.length + group.length + 1 > this.maxBatch || kvTokens + prompt.length > this.maxKvTokens) break;
      if (Math.max(widest, prompt.length) * (group.length + 1) > 4 * this.prefillChunkSize) break;
      if (this.trie.matchLength(prompt) > 0) break;
      // A shared prefix is computed once through the trie instead, when it keeps prefixes.
      if (this.trie.keeps && group.some((g) => sharedPrefix(g.request.promptIds, prompt) >= SHARED_PREFIX_TOKENS)) break;
      group.push(pending);
      kvTokens += prompt.length;
      widest = Math.max(widest, prompt.length);
    }
    return group.length >= 2 ? group : undefined;
  }

  /** Prefills `group` (taken from the head of the queue) in one forward pass, each prompt left-padded to the longest. */
  private async prefillGroup(group: Pending[]): Promise<Joined | undefined> {
    this.waiting.splice(0, group.length);
    const prompts = group.map((p) => p.request.promptIds);
    const sequences = group.map((p) => p.sequences[0]);
    const width = Math.max(...prompts.map((p) => p.length));
    const padding = prompts.map((p) => width - p.length);
    for (const pending of group) {
      pending.start({ cachedTokens: 0, queueMs: performance.now() - pending.enqueuedAt });
      for (const p of pending.sequences[0].settings.processors) p.prompt?.([...pending.request.promptIds]);
    }
    const caches = this.makeCaches();
    try {
      for (const cache of caches) cache.padRows(padding);
      // The padding's token is never seen by a real position (the masks hide it), so any id does.
      const ids = prompts.map((p, b) => [...new Array<number>(padding[b]).fill(p[0]), ...p]);
      const step = {
        ...this.onStream(() => mx.tidy(() => this.sample(this.model.forward(mx.array(ids, 'int32'), caches), sequences))),
        rows: sequences,
      };
      this.failRows();
      try {
        await mx.asyncEval(
          stepArrays(step),
          caches.flatMap((c) => [...c.state]),
        );
        this.counters.promptTokens += prompts.reduce((sum, p) => sum + p.length, 0);
        this.counters.groupedPrefills++;
        this.read(step);
      } catch (error) {
        mx.dispose(stepArrays(step));
        throw error;
      }
      mx.dispose(readArrays(step));
      return { sequences, token: step.token, caches, prompts };
    } catch (error) {
      for (const cache of caches) cache.dispose();
      for (const s of sequences) s.fail(error);
      return undefined;
    }
  }

  /**
   * The default KV-token limit: 70% of the memory MLX may use (at most the machine's), less what is
   * in use now (weights), over the bytes one token takes in the full-attention layers (sliding
   * window layers hold a bounded window per row).
   */
  private sizeKvBudget(caches: readonly BatchKVCache[]): void {
    let perToken = 0;
    for (const cache of caches) if (cache.windowSize === undefined && cache.capacity > 0) perToken += cache.nbytes / cache.capacity;
    if (perToken === 0) return;
    this.autoKvTokens = false;
    const limit = Math.min(mx.memory.getMemoryLimit() || Number.POSITIVE_INFINITY, totalmem());
    const free = Math.max(0, limit * 0.7 - mx.memory.getActiveMemory());
    this.maxKvTokens = Math.max(1, Math.floor(free / perToken));
  }

  /** Fails the rows whose processors threw; they are finished, so the step reads no token for them. */
  private failRows(): void {
    for (const [row, error] of this.failedRows.splice(0)) row.fail(error);
  }

  /** A failed step leaves the batch caches in an unknown state: every running row fails. */
  private failAll(error: unknown): void {
    for (const row of this.current?.rows ?? []) row.fail(error);
    if (this.current) mx.dispose(stepArrays(this.current));
    this.current = undefined;
    for (const cache of this.caches) cache.dispose();
    this.caches = this.makeCaches();
  }

  /** Refuses new requests, fails the waiting ones, lets running rows finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.waiting.splice(0)) {
      pending.start({ cachedTokens: 0, queueMs: performance.now() - pending.enqueuedAt });
      for (const s of pending.sequences) s.fail(new BackendClosedError());
    }
    this.kick();
    await this.loopDone;
    await this.leader?.stop();
    for (const cache of this.caches) cache.dispose();
    this.trie.dispose();
  }
}

/** How many leading tokens two prompts share. */
function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
