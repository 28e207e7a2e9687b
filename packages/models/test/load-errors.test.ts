// Malformed model folders and files: each is a ModelLoadError naming the file and the problem,
// raised before any large allocation, and the process goes on.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, openSync, writeSync, closeSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { loadLanguageModel, loadModel, ModelLoadError } from '../src/index.js';
import { requireModelData } from './helpers/model-data.js';

function tinyCopy(): string {
  const source = requireModelData('tiny-gemma3');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-bad-'));
  copyFileSync(join(source, 'config.json'), join(folder, 'config.json'));
  copyFileSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  return folder;
}

async function expectLoadError(path: string, problem: RegExp, file?: string): Promise<void> {
  const error = await loadLanguageModel(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ModelLoadError.isInstance(error), `expected a ModelLoadError, got ${String(error)}`).toBe(true);
  const e = error as ModelLoadError;
  expect(e.problem).toMatch(problem);
  if (file) expect(e.file).toBe(file);
  expect(e.message).toContain(e.file);
}

describe('loading malformed models', () => {
  it('a path that does not exist', async () => {
    await expectLoadError('/no/such/model', /does not exist/);
  });

  it('a config.json that is not JSON', async () => {
    const folder = tinyCopy();
    const config = join(folder, 'config.json');
    writeFileSync(config, '{ not json');
    await expectLoadError(folder, /not a valid JSON object/, config);
  });

  it('a config without a required field', async () => {
    const folder = tinyCopy();
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    delete config.hidden_size;
    writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
    await expectLoadError(folder, /no "hidden_size"/);
  });

  it('an unknown model_type', async () => {
    const folder = tinyCopy();
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, model_type: 'not-a-model' }));
    await expectLoadError(folder, /model_type "not-a-model" is not supported/);
  });

  it('a truncated safetensors file', async () => {
    const folder = tinyCopy();
    const file = join(folder, 'model.safetensors');
    truncateSync(file, statSync(file).size - 1000);
    await expectLoadError(folder, /truncated/, file);
  });

  it('a safetensors header that claims more bytes than the file has', async () => {
    const folder = tinyCopy();
    const file = join(folder, 'model.safetensors');
    const fd = openSync(file, 'r+');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(2n ** 60n);
    writeSync(fd, length, 0, 8, 0);
    closeSync(fd);
    await expectLoadError(folder, /header claims/, file);
  });

  it('a tensor whose offsets lie about its size', async () => {
    const folder = tinyCopy();
    const file = join(folder, 'model.safetensors');
    const bytes = readFileSync(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    const name = Object.keys(header).find((k) => k !== '__metadata__')!;
    header[name].data_offsets[1] += 4;
    let text = JSON.stringify(header);
    text = text.padEnd(headerLength, ' ');
    expect(text.length).toBe(headerLength);
    bytes.write(text, 8, 'utf8');
    writeFileSync(file, bytes);
    await expectLoadError(folder, /spans \d+ bytes but its shape and dtype need/, file);
  });

  it('a missing tensor', async () => {
    const folder = tinyCopy();
    const file = join(folder, 'model.safetensors');
    const { arrays } = mx.io.loadSafetensors(file);
    delete arrays['model.layers.3.mlp.up_proj.weight'];
    mx.io.saveSafetensors(file, arrays);
    mx.dispose(Object.values(arrays));
    await expectLoadError(folder, /"model.layers.3.mlp.up_proj.weight" is missing/);
  });

  it('a weight of the wrong shape', async () => {
    const folder = tinyCopy();
    const file = join(folder, 'model.safetensors');
    const { arrays } = mx.io.loadSafetensors(file);
    arrays['model.layers.0.self_attn.q_proj.weight'] = mx.zeros([8, 8]);
    mx.io.saveSafetensors(file, arrays);
    mx.dispose(Object.values(arrays));
    await expectLoadError(folder, /has shape \[8, 8\], expected/);
  });

  it('a GGUF file with a bad magic', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-bad-'));
    const file = join(folder, 'model.gguf');
    writeFileSync(file, Buffer.from('NOPE and some more bytes to read'));
    const error = await loadModel(file).catch((e: unknown) => e);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).file).toBe(file);
  });

  it('the process keeps working after all of that', async () => {
    const model = await loadLanguageModel(requireModelData('tiny-gemma3'));
    expect(model.config.numHiddenLayers).toBe(7);
    model.dispose();
  });
});
