// The worker-thread side of WorkerBackend: owns an MlxBackend, so that MLX's work — which on the
// CPU blocks the calling thread while it schedules each step — never stalls the HTTP thread.
import { parentPort } from 'node:worker_threads';
import { BackendBusyError, BackendClosedError, InvalidRequestError } from '../errors.js';
import { MlxBackend } from '../mlx-backend.js';
import type { FromWorker, SerializedError, ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('backend-worker.js runs inside a worker thread started by WorkerBackend.');

const tokenizerErrorMarker = Symbol.for('mlx-ts.tokenizer.error');
let backend: MlxBackend | undefined;
const running = new Map<number, AbortController>();
const send = (message: FromWorker) => port.postMessage(message);

function serialize(error: unknown): SerializedError {
  const message = error instanceof Error ? error.message : String(error);
  if (InvalidRequestError.isInstance(error)) return { kind: 'invalid-request', message, param: error.param };
  if (BackendBusyError.isInstance(error)) return { kind: 'busy', message, queued: error.queued, retryAfterSeconds: error.retryAfterSeconds };
  if (BackendClosedError.isInstance(error)) return { kind: 'closed', message };
  if (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[tokenizerErrorMarker] === true) return { kind: 'tokenizer', message };
  return { kind: 'other', message };
}

async function run(id: number, request: Parameters<MlxBackend['stream']>[0]): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    if (!backend) throw new BackendClosedError();
    const stream = backend.stream(request, controller.signal);
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        send({ type: 'end', id, result: next.value });
        break;
      }
      // The final result arrives with 'end'; the 'done' event would only repeat it.
      if (next.value.type !== 'done') send({ type: 'event', id, event: next.value });
    }
  } catch (error) {
    send({ type: 'error', id, error: serialize(error) });
  } finally {
    running.delete(id);
  }
}

port.on('message', async (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      try {
        backend = await MlxBackend.load(message.path, { ...message.options, onProgress: (p) => send({ type: 'progress', ...p }) });
        send({ type: 'loaded', name: backend.name, contextLength: backend.contextLength });
      } catch (error) {
        send({ type: 'load-error', error: serialize(error) });
      }
      break;
    case 'stream':
      void run(message.id, message.request);
      break;
    case 'abort':
      running.get(message.id)?.abort();
      break;
    case 'dispose':
      await backend?.dispose();
      backend = undefined;
      send({ type: 'disposed' });
      break;
  }
});
