// `org/name[@revision][:QUANT]`: how a Hugging Face model is named, parsed once and checked so
// that no part of it can point outside the cache folder when it becomes a path.
import { InvalidModelReferenceError } from './hub-errors.js';

export interface ModelReference {
  /** `org/name` as the hub spells it. */
  repo: string;
  /** A branch, tag or commit hash; `main` when the reference names none. */
  revision: string;
  /** A GGUF quantization tag such as `Q4_K_M` (picks that file of a GGUF repository). */
  quantization?: string;
}

// The hub's own rule (huggingface_hub's validate_repo_id): word characters, '-' and '.', at most 96.
const namePart = /^[A-Za-z0-9_][\w.-]{0,95}$/;
const revisionPattern = /^[\w.-]+(?:\/[\w.-]+)*$/;
const quantizationPattern = /^[\w.-]+$/;

function invalid(reference: string, problem: string): never {
  throw new InvalidModelReferenceError(
    reference,
    problem,
    'Write a Hugging Face id as org/name, org/name@revision or org/name:QUANT (e.g. mlx-community/Qwen3-4B-4bit), or pass the path of a model folder or .gguf file',
  );
}

/**
 * True when `reference` has the shape of a hub id: before any `@revision` or `:QUANT`, exactly
 * two path segments, not starting with `.`, `/` or `~` (those are paths).
 */
export function looksLikeHubReference(reference: string): boolean {
  const repo = reference.split(/[@:]/, 1)[0]!;
  return !reference.includes('\\') && /^[A-Za-z0-9_][^/]*\/[^/]+$/.test(repo);
}

/** Parses `org/name[@revision][:QUANT]`; throws InvalidModelReferenceError naming the bad part. */
export function parseModelReference(reference: string): ModelReference {
  if (typeof reference !== 'string' || reference.length === 0) invalid(String(reference), 'it is empty');
  const [, repo = '', revision, quantization] = /^([^@:]*)(?:@([^:]*))?(?::(.*))?$/s.exec(reference) ?? [];
  const parts = repo.split('/');
  if (parts.length !== 2) invalid(reference, `"${repo}" is not of the form org/name`);
  for (const part of parts) {
    if (!namePart.test(part) || part.includes('..') || part.includes('--') || /[.-]$/.test(part)) {
      invalid(reference, `"${part}" is not a valid organisation or repository name (letters, digits, '-', '_' and '.', no '..' or '--')`);
    }
  }
  if (revision !== undefined && (!revisionPattern.test(revision) || revision.includes('..'))) {
    invalid(reference, `"${revision}" is not a valid revision (a branch, tag or commit hash, without "..")`);
  }
  if (quantization !== undefined && !quantizationPattern.test(quantization)) invalid(reference, `"${quantization}" is not a quantization tag such as Q4_K_M`);
  return { repo, revision: revision ?? 'main', ...(quantization === undefined ? {} : { quantization }) };
}

/** The canonical text of a reference (what error messages and model names show). */
export function formatModelReference(reference: ModelReference): string {
  return `${reference.repo}${reference.revision === 'main' ? '' : `@${reference.revision}`}${reference.quantization ? `:${reference.quantization}` : ''}`;
}
