// Reading config.json fields with errors that name the key and the fix.
import { ModelLoadError } from '../errors.js';

export type Json = Record<string, unknown>;

export class ConfigReader {
  constructor(
    readonly raw: Json,
    readonly file: string,
    private readonly architecture: string,
  ) {}

  /** A positive number; `fallback` is Hugging Face's default for the architecture. */
  number(key: string, fallback?: number): number {
    const value = this.raw[key];
    if (value === undefined || value === null) {
      if (fallback !== undefined) return fallback;
      throw new ModelLoadError({
        file: this.file,
        problem: `the config has no "${key}"`,
        fix: `Add "${key}" to the model's config.json (it is required for ${this.architecture})`,
      });
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ModelLoadError({
        file: this.file,
        problem: `"${key}" is ${JSON.stringify(value)}, not a positive number`,
        fix: 'Fix the value in config.json',
      });
    }
    return value;
  }

  optionalNumber(key: string): number | undefined {
    const value = this.raw[key];
    return value === undefined || value === null ? undefined : this.number(key);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw[key];
    return typeof value === 'boolean' ? value : fallback;
  }

  /** `layer_types` when listed (checked against the layer count), else undefined. */
  layerTypes(layers: number): string[] | undefined {
    const value = this.raw.layer_types;
    if (!Array.isArray(value)) return undefined;
    if (value.length !== layers) {
      throw new ModelLoadError({
        file: this.file,
        problem: `"layer_types" lists ${value.length} layers but "num_hidden_layers" is ${layers}`,
        fix: 'Make the two agree in config.json',
      });
    }
    return value.map(String);
  }
}

export function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

/** EOS ids of config.json, then generation_config.json's, without repeats. */
export function mergedEos(raw: Json, extraEos: readonly number[], fallback: readonly number[] = []): number[] {
  const own = idList(raw.eos_token_id);
  return [...new Set([...(own.length > 0 ? own : fallback), ...extraEos])];
}
