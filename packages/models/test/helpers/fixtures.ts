import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixtureFolder = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(fixtureFolder, name), 'utf8')) as T;
}

/** Base64 to bytes in a fresh (aligned) buffer. */
export function base64Bytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  const out = new Uint8Array(buffer.length);
  out.set(buffer);
  return out;
}

export function base64Float32(text: string): Float32Array {
  return new Float32Array(base64Bytes(text).buffer);
}

export function base64Uint32(text: string): Uint32Array {
  return new Uint32Array(base64Bytes(text).buffer);
}

export function base64Uint16(text: string): Uint16Array {
  return new Uint16Array(base64Bytes(text).buffer);
}

/** Index of the first element where two float arrays differ bit for bit (NaN-safe), or -1. */
export function firstBitDifference(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
