// Safetensors files (MLX's reader: lazy, the data is read when an array is evaluated).
import { type Array, wrap } from './array.js';
import { native } from './native.js';
import { handleOf } from './ops.js';

export interface SafetensorsContent {
  arrays: Record<string, Array>;
  metadata: Record<string, string>;
}

export function loadSafetensors(path: string): SafetensorsContent {
  if (typeof path !== 'string') throw new TypeError('loadSafetensors: path must be a string');
  const { arrays, metadata } = native().loadSafetensors(path);
  const out: Record<string, Array> = {};
  for (const [name, h] of Object.entries(arrays)) out[name] = wrap(h);
  return { arrays: out, metadata };
}

export function saveSafetensors(path: string, arrays: Record<string, Array>, metadata: Record<string, string> = {}): void {
  if (typeof path !== 'string') throw new TypeError('saveSafetensors: path must be a string');
  const names = Object.keys(arrays);
  native().saveSafetensors(
    path,
    names,
    names.map((k) => handleOf(arrays[k], `saveSafetensors ${k}`)),
    metadata,
  );
}
