// Devices and streams.
import { native } from './native.js';

export type DeviceType = 'cpu' | 'gpu';

export interface Device {
  readonly type: DeviceType;
  readonly index: number;
}

export interface Stream {
  readonly index: number;
  readonly device: Device;
}

export const cpu: Device = Object.freeze({ type: 'cpu', index: 0 });
export const gpu: Device = Object.freeze({ type: 'gpu', index: 0 });

function toNative(device: Device): [number, number] {
  if (device?.type !== 'cpu' && device?.type !== 'gpu') throw new TypeError(`expected a device like mx.cpu or mx.gpu, got ${JSON.stringify(device)}`);
  return [device.type === 'gpu' ? 1 : 0, device.index ?? 0];
}

function fromNative(d: Int32Array): Device {
  return Object.freeze({ type: d[0] === 1 ? 'gpu' : 'cpu', index: d[1] });
}

function streamFromNative(s: Int32Array): Stream {
  return Object.freeze({ index: s[0], device: Object.freeze({ type: s[1] === 1 ? 'gpu' : 'cpu', index: s[2] }) as Device });
}

function streamToNative(s: Stream): [number, number, number] {
  const [type, index] = toNative(s.device);
  return [s.index, type, index];
}

export function defaultDevice(): Device {
  return fromNative(native().defaultDevice());
}

export function setDefaultDevice(device: Device): void {
  native().setDefaultDevice(toNative(device));
}

/** Whether MLX can run on the device (a CUDA build without a GPU reports false). */
export function deviceIsAvailable(device: Device): boolean {
  return native().deviceIsAvailable(toNative(device));
}

export function deviceCount(type: DeviceType): number {
  return native().deviceCount(type === 'gpu' ? 1 : 0);
}

export function deviceInfo(device: Device = defaultDevice()): Record<string, string | number> {
  return native().deviceInfo(toNative(device));
}

export function defaultStream(device: Device = defaultDevice()): Stream {
  return streamFromNative(native().defaultStream(toNative(device)));
}

/** A new stream on the device; usable from this thread only (MLX streams are thread-affine). */
export function newStream(device: Device = defaultDevice()): Stream {
  return streamFromNative(native().newStream(toNative(device)));
}

export function setDefaultStream(stream: Stream): void {
  native().setDefaultStream(streamToNative(stream));
}

/** Runs fn with `stream` as its device's default stream, then restores the previous one. */
export function withStream<T>(stream: Stream, fn: () => T): T {
  const previous = defaultStream(stream.device);
  setDefaultStream(stream);
  try {
    return fn();
  } finally {
    setDefaultStream(previous);
  }
}

/** Waits until everything scheduled on the stream (default: the default stream) has run. */
export function synchronize(stream?: Stream): void {
  native().synchronize(stream ? streamToNative(stream) : undefined);
}
