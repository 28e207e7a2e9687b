// Weights of a Hugging Face / MLX model folder: config.json plus one or more safetensors files
// (sharded through model.safetensors.index.json), optionally MLX affine-quantized.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as mx from '@mlx-ts/core';
import { ModelLoadError } from '../errors.js';
import type { Architecture } from '../registry.js';
import { readJsonFile } from './json-file.js';
import { checkSafetensors } from './safetensors-header.js';
import { type WeightPolicy, Weights } from './weights.js';

interface QuantizationConfig {
  groupSize: number;
  bits: number;
  mode: string;
  /** Per-module overrides: parameters, or false for a module left unquantized. */
  overrides: Map<string, { groupSize: number; bits: number } | false>;
}

function parseQuantization(config: Record<string, unknown>, file: string): QuantizationConfig | undefined {
  const raw = (config.quantization ?? config.quantization_config) as Record<string, unknown> | undefined;
  if (!raw || typeof raw !== 'object') return undefined;
  const groupSize = Number(raw.group_size ?? 64);
  const bits = Number(raw.bits ?? 4);
  const mode = String(raw.mode ?? 'affine');
  if (mode !== 'affine') {
    throw new ModelLoadError({
      file,
      problem: `quantization mode "${mode}" is not supported`,
      fix: 'Use an affine-quantized (mlx_lm.convert -q) or unquantized checkpoint',
    });
  }
  const overrides = new Map<string, { groupSize: number; bits: number } | false>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === false) overrides.set(key, false);
    else if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      overrides.set(key, { groupSize: Number(v.group_size ?? groupSize), bits: Number(v.bits ?? bits) });
    }
  }
  return { groupSize, bits, mode, overrides };
}

async function weightFiles(folder: string): Promise<string[]> {
  const index = await readJsonFile(join(folder, 'model.safetensors.index.json'), { optional: true });
  if (index) {
    const map = index.weight_map as Record<string, string> | undefined;
    if (!map || typeof map !== 'object') {
      throw new ModelLoadError({
        file: join(folder, 'model.safetensors.index.json'),
        problem: 'it has no weight_map',
        fix: 'Restore the file from the original checkpoint',
      });
    }
    return [...new Set(Object.values(map))].map((f) => join(folder, f));
  }
  const files = (await readdir(folder)).filter((f) => f.endsWith('.safetensors')).sort();
  if (files.length === 0) {
    throw new ModelLoadError({
      file: folder,
      problem: 'it holds no .safetensors files',
      fix: 'Point at a model folder with config.json and model*.safetensors, or at a .gguf file',
    });
  }
  return files.map((f) => join(folder, f));
}

export interface FolderWeights {
  config: Record<string, unknown>;
  generationConfig: Record<string, unknown> | undefined;
  weights: Weights;
  quantized: boolean;
}

export async function loadFolderWeights(
  folder: string,
  architecture: (config: Record<string, unknown>) => Architecture,
  policy: WeightPolicy,
): Promise<FolderWeights & { architecture: Architecture }> {
  const configPath = join(folder, 'config.json');
  const config = (await readJsonFile(configPath))!;
  const arch = architecture(config);
  const generationConfig = await readJsonFile(join(folder, 'generation_config.json'), { optional: true });
  const quantization = parseQuantization(config, configPath);
  const files = await weightFiles(folder);
  const raw = new Map<string, mx.Array>();
  const weights = new Weights(folder, policy, 'huggingface');
  try {
    for (const file of files) {
      await checkSafetensors(file);
      let content: mx.io.SafetensorsContent;
      try {
        content = mx.io.loadSafetensors(file);
      } catch (cause) {
        throw new ModelLoadError({
          file,
          problem: `MLX could not read it (${(cause as Error).message})`,
          fix: 'The file is damaged: download or convert it again',
          cause,
        });
      }
      for (const [name, array] of Object.entries(content.arrays)) {
        // Older checkpoints store RoPE's inverse frequencies, which every model recomputes.
        const renamed = name.endsWith('.rotary_emb.inv_freq') ? undefined : arch.sanitizeName ? arch.sanitizeName(name) : name;
        if (renamed === undefined) array.dispose();
        else raw.set(renamed, array);
      }
    }
    for (const [name, array] of raw) {
      if (name.endsWith('.scales') || name.endsWith('.biases')) continue;
      const module = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : undefined;
      const scales = module ? raw.get(`${module}.scales`) : undefined;
      if (module && scales && quantization) {
        const override = quantization.overrides.get(module);
        const params = override ? override : { groupSize: quantization.groupSize, bits: quantization.bits };
        const biases = raw.get(`${module}.biases`);
        if (!biases)
          throw new ModelLoadError({
            file: folder,
            problem: `the quantized weight "${name}" has scales but no biases`,
            fix: 'Only affine quantization is supported',
          });
        weights.add(name, { kind: 'quantized', weight: array, scales, biases, groupSize: params.groupSize, bits: params.bits });
      } else {
        weights.add(name, { kind: 'dense', array });
      }
    }
  } catch (error) {
    mx.dispose([...raw.values()]);
    throw error;
  }
  return { config, generationConfig, weights, quantized: quantization !== undefined, architecture: arch };
}
