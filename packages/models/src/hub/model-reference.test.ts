import { describe, expect, it } from 'vitest';
import { InvalidModelReferenceError } from './hub-errors.js';
import { formatModelReference, looksLikeHubReference, parseModelReference } from './model-reference.js';

describe('parseModelReference', () => {
  it('reads org/name, @revision and :QUANT', () => {
    expect(parseModelReference('mlx-community/Qwen3-4B-4bit')).toEqual({ repo: 'mlx-community/Qwen3-4B-4bit', revision: 'main' });
    expect(parseModelReference('org/name@v1.0')).toEqual({ repo: 'org/name', revision: 'v1.0' });
    expect(parseModelReference('org/name@refs/pr/3')).toEqual({ repo: 'org/name', revision: 'refs/pr/3' });
    expect(parseModelReference('unsloth/gemma-3-270m-it-GGUF:Q4_K_M')).toEqual({
      repo: 'unsloth/gemma-3-270m-it-GGUF',
      revision: 'main',
      quantization: 'Q4_K_M',
    });
    expect(parseModelReference('org/name@0123456789abcdef0123456789abcdef01234567:Q8_0')).toEqual({
      repo: 'org/name',
      revision: '0123456789abcdef0123456789abcdef01234567',
      quantization: 'Q8_0',
    });
  });

  it.each([
    ['org/..', 'organisation or repository name'],
    ['../name', 'organisation or repository name'],
    ['org/na--me', 'organisation or repository name'],
    ['org/name@', 'not a valid revision'],
    ['org/name@../../../etc', 'not a valid revision'],
    ['org/name@main/../..', 'not a valid revision'],
    ['org/name@/abs', 'not a valid revision'],
    ['org/name:', 'not a quantization tag'],
    ['org/name:Q4/../x', 'not a quantization tag'],
    ['org/name/extra', 'not of the form org/name'],
  ])('rejects %s', (reference, problem) => {
    let error: unknown;
    try {
      parseModelReference(reference);
    } catch (caught) {
      error = caught;
    }
    expect(InvalidModelReferenceError.isInstance(error)).toBe(true);
    expect((error as InvalidModelReferenceError).code).toBe('invalid_model_reference');
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toContain('org/name@revision');
  });

  it('round-trips through formatModelReference', () => {
    for (const text of ['org/name', 'org/name@dev', 'org/name:Q4_K_M', 'org/name@dev:Q4_K_M'])
      expect(formatModelReference(parseModelReference(text))).toBe(text);
  });
});

describe('looksLikeHubReference', () => {
  it('takes two-segment names and leaves paths alone', () => {
    expect(looksLikeHubReference('org/name')).toBe(true);
    expect(looksLikeHubReference('org/name@main:Q4_K_M')).toBe(true);
    expect(looksLikeHubReference('org/name@refs/pr/1')).toBe(true);
    expect(looksLikeHubReference('org/name@../../etc')).toBe(true);
    for (const path of ['./org/name', '/models/org', '~/models/x', 'models/org/name', 'model.gguf', '../x']) expect(looksLikeHubReference(path)).toBe(false);
  });
});
