// The worker-thread side of WorkerBackend: owns an MlxBackend, so that MLX's work — which on the
// CPU blocks the calling thread while it schedules each step — never stalls the HTTP thread.
import { parentPort } from 'node:worker_threads';
import * as mx from '@mlx-ts/core';
import { BackendClosedError } from '../errors.js';
import { exitOnGroupFailure } from '../group-exit.js';
import { MlxBackend } from '../mlx-backend.js';
import { serializeError as serialize } from './error-transfer.js';
import type { FromWorker, ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('backend-worker.js runs inside a worker thread started by WorkerBackend.');

let backend: MlxBackend | undefined;
const running = new Map<number, AbortController>();
const send = (message: FromWorker) => port.postMessage(message);
// The engine's gauges and counters, pushed to the other thread twice a second (for /health and /metrics).
const statsTimer = setInterval(() => {
  if (backend) send({ type: 'stats', stats: backend.stats() });
}, 500);
statsTimer.unref();

type Request = Parameters<MlxBackend['stream']>[0];
type Stream = ReturnType<MlxBackend['stream']>;

async function run(id: number, request: Request): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    if (!backend) throw new BackendClosedError();
    await forward(id, backend.stream(request, controller.signal, { onAccepted: () => send({ type: 'accepted', id }) }));
  } catch (error) {
    send({ type: 'error', id, error: serialize(error) });
  } finally {
    running.delete(id);
  }
}

/** n rows over one prefill, under one abort: an abort of any row's id stops the whole group. */
function runChoices(ids: readonly number[], request: Request): void {
  const controller = new AbortController();
  for (const id of ids) running.set(id, controller);
  let streams: Stream[];
  try {
    if (!backend) throw new BackendClosedError();
    streams = backend.streamChoices(request, ids.length, controller.signal, {
      onAccepted: () => {
        for (const id of ids) send({ type: 'accepted', id });
      },
    });
  } catch (error) {
    for (const id of ids) {
      send({ type: 'error', id, error: serialize(error) });
      running.delete(id);
    }
    return;
  }
  for (const [i, id] of ids.entries()) {
    void forward(id, streams[i]!)
      .catch((error: unknown) => send({ type: 'error', id, error: serialize(error) }))
      .finally(() => running.delete(id));
  }
}

async function forward(id: number, stream: Stream): Promise<void> {
  for (;;) {
    const next = await stream.next();
    if (next.done) {
      send({ type: 'end', id, result: next.value });
      return;
    }
    // The final result arrives with 'end'; the 'done' event would only repeat it.
    if (next.value.type !== 'done') send({ type: 'event', id, event: next.value });
  }
}

port.on('message', async (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      try {
        const { distributed, ...options } = message.options;
        // The group's collectives run on this thread's stream, beside the model's own.
        const { exitOnFailure, ...init } = distributed ?? {};
        const group = distributed ? mx.distributed.init({ ...init, strict: true }) : undefined;
        if (group && group.size > 1 && exitOnFailure) exitOnGroupFailure(group.rank);
        backend = await MlxBackend.load(message.path, {
          ...options,
          group,
          // Reported at once, even while disposing (a server stopping the group finds it broken).
          onGroupFailure: (error) => send({ type: 'fatal', error: serialize(error) }),
          onProgress: (p) => send({ type: 'progress', ...p }),
        });
        send({ type: 'loaded', name: backend.name, contextLength: backend.contextLength });
        send({ type: 'stats', stats: backend.stats() });
      } catch (error) {
        send({ type: 'load-error', error: serialize(error) });
      }
      break;
    case 'stream':
      void run(message.id, message.request);
      break;
    case 'choices':
      runChoices(message.ids, message.request);
      break;
    case 'abort':
      running.get(message.id)?.abort();
      break;
    case 'crash':
      // Thrown outside the handler's promise: an uncaught exception ends the thread, as a fatal bug would.
      setImmediate(() => {
        throw new Error(message.message);
      });
      break;
    case 'dispose':
      await backend?.dispose();
      backend = undefined;
      send({ type: 'disposed' });
      break;
  }
});
