import { TokenizerError } from './errors.js';
import type { ComponentJson, PatternJson } from './json-types.js';
import { compileOnigRegex, escapeRegex } from './onig-regex.js';

/** A normalizer rewrites one piece of input text (the text between added tokens). */
export type Normalizer = (text: string) => string;

export function patternToRegex(pattern: PatternJson, where: string): RegExp {
  checkPattern(pattern, where);
  if ('String' in pattern) return new RegExp(escapeRegex(pattern.String), 'gu');
  if ('Regex' in pattern) return compileOnigRegex(pattern.Regex);
  throw new TokenizerError(`${where}: pattern must be {"String": ...} or {"Regex": ...}, got ${JSON.stringify(pattern)}`);
}

/** A pattern must be {"String": text} or {"Regex": text}: anything else would compile to a regex matching everywhere. */
function checkPattern(pattern: unknown, where: string): asserts pattern is PatternJson {
  const p = pattern as Record<string, unknown> | null;
  // The builders pick String when the key is there, so that is the one that must be text.
  if (typeof p === 'object' && p !== null && ('String' in p ? typeof p.String === 'string' : typeof p.Regex === 'string')) return;
  throw new TokenizerError(`${where}: pattern must be {"String": text} or {"Regex": text}, got ${JSON.stringify(pattern)}`);
}

function replaceNormalizer(config: ComponentJson): Normalizer {
  const pattern = config.pattern as PatternJson;
  checkPattern(pattern, 'Replace normalizer');
  const content = String(config.content ?? '');
  if ('String' in pattern) {
    const from = pattern.String;
    return (text) => (text.includes(from) ? text.replaceAll(from, content) : text);
  }
  const regex = patternToRegex(pattern, 'Replace normalizer');
  return (text) => text.replace(regex, () => content);
}

export function buildNormalizer(config: ComponentJson | null | undefined): Normalizer | null {
  if (!config) return null;
  switch (config.type) {
    case 'Sequence': {
      const steps = ((config.normalizers as ComponentJson[]) ?? []).map(buildNormalizer).filter((n): n is Normalizer => n !== null);
      return (text) => steps.reduce((acc, step) => step(acc), text);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = config.type;
      return (text) => text.normalize(form);
    }
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'Replace':
      return replaceNormalizer(config);
    case 'Prepend': {
      const prefix = String(config.prepend ?? '');
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    case 'Strip': {
      const left = config.strip_left !== false;
      const right = config.strip_right !== false;
      return (text) => (left && right ? text.trim() : left ? text.trimStart() : right ? text.trimEnd() : text);
    }
    default:
      throw new TokenizerError(
        `Unsupported normalizer type "${config.type}" in tokenizer.json. Supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Replace, Prepend, Strip.`,
      );
  }
}
