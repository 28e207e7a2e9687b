import { TokenizerError } from './errors.js';
import type { ComponentJson, PatternJson } from './json-types.js';
import { patternToRegex } from './normalizers.js';
import { compileOnigRegex } from './onig-regex.js';

/** Receives each word the pre-tokenizer produces. `atInputStart`: the word begins the input text. */
export type WordSink = (word: string, atInputStart: boolean) => void;

/** Splits one piece of normalized text into words for the model. */
export type PreTokenizer = (text: string, atInputStart: boolean, emit: WordSink) => void;

export interface PreTokenizerPipeline {
  run: PreTokenizer;
  /** True when the last step is ByteLevel: the model sees words as UTF-8 bytes. */
  byteLevel: boolean;
}

type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

const gpt2Pattern = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * Steps past an empty match by a whole code point: a unicode regex given a lastIndex inside a
 * surrogate pair matches again at the pair's start, so stepping by one code unit never ends.
 */
function codePointLength(text: string, at: number): number {
  return (text.codePointAt(at) ?? 0) > 0xffff ? 2 : 1;
}

/**
 * Hugging Face's `split` with a delimiter behaviour: cuts `text` at the pattern's matches and
 * emits the pieces. Kept allocation-light: it is on the encode hot path.
 */
function splitByRegex(regex: RegExp, behavior: SplitBehavior, invert: boolean): PreTokenizer {
  return (text, atInputStart, emit) => {
    if (text.length === 0) return;
    // Fast path for the common Isolated, non-inverted case: emit gaps and matches in order.
    if (behavior === 'Isolated') {
      regex.lastIndex = 0;
      let previous = 0;
      let match: RegExpExecArray | null;
      while ((match = regex.exec(text)) !== null) {
        const start = match.index;
        const end = start + match[0].length;
        if (end === start) {
          regex.lastIndex = start + codePointLength(text, start);
          continue;
        }
        if (start > previous) emit(text.slice(previous, start), atInputStart && previous === 0);
        emit(match[0], atInputStart && start === 0);
        previous = end;
      }
      if (previous < text.length) emit(previous === 0 ? text : text.slice(previous), atInputStart && previous === 0);
      return;
    }
    const pieces: [number, number, boolean][] = [];
    regex.lastIndex = 0;
    let previous = 0;
    let match: RegExpExecArray | null;
    while ((match = regex.exec(text)) !== null) {
      const start = match.index;
      const end = start + match[0].length;
      if (end === start) {
        regex.lastIndex = start + codePointLength(text, start);
        continue;
      }
      if (start > previous) pieces.push([previous, start, false]);
      pieces.push([start, end, true]);
      previous = end;
    }
    if (previous < text.length) pieces.push([previous, text.length, false]);
    if (invert) for (const piece of pieces) piece[2] = !piece[2];
    const kept = applyBehavior(pieces, behavior);
    for (const [start, end] of kept) if (end > start) emit(text.slice(start, end), atInputStart && start === 0);
  };
}

function applyBehavior(pieces: [number, number, boolean][], behavior: SplitBehavior): [number, number][] {
  const out: [number, number][] = [];
  let previousMatch = false;
  switch (behavior) {
    case 'Removed':
      for (const [start, end, isMatch] of pieces) if (!isMatch) out.push([start, end]);
      return out;
    case 'Isolated':
      return pieces.map(([start, end]) => [start, end]);
    case 'Contiguous':
      for (const [start, end, isMatch] of pieces) {
        if (isMatch === previousMatch && out.length > 0) out[out.length - 1]![1] = end;
        else out.push([start, end]);
        previousMatch = isMatch;
      }
      return out;
    case 'MergedWithPrevious':
      for (const [start, end, isMatch] of pieces) {
        if (isMatch && !previousMatch && out.length > 0) out[out.length - 1]![1] = end;
        else out.push([start, end]);
        previousMatch = isMatch;
      }
      return out;
    case 'MergedWithNext':
      for (let i = pieces.length - 1; i >= 0; i--) {
        const [start, end, isMatch] = pieces[i]!;
        if (isMatch && !previousMatch && out.length > 0) out[out.length - 1]![0] = start;
        else out.push([start, end]);
        previousMatch = isMatch;
      }
      return out.reverse();
    default:
      throw new TokenizerError(`Unsupported split behavior "${behavior as string}" in tokenizer.json`);
  }
}

function metaspace(config: ComponentJson): PreTokenizer {
  const replacement = String(config.replacement ?? '\u2581');
  const scheme = (config.prepend_scheme as string | undefined) ?? (config.add_prefix_space === false ? 'never' : 'always');
  const split = config.split !== false;
  const splitter = splitByRegex(new RegExp(replacement.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gu'), 'MergedWithNext', false);
  return (text, atInputStart, emit) => {
    let out = text.replaceAll(' ', replacement);
    if (!out.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && atInputStart))) out = replacement + out;
    if (split) splitter(out, atInputStart, emit);
    else if (out.length > 0) emit(out, atInputStart);
  };
}

function buildStep(config: ComponentJson): PreTokenizer {
  switch (config.type) {
    case 'Split': {
      const regex = patternToRegex(config.pattern as PatternJson, 'Split pre-tokenizer');
      return splitByRegex(regex, config.behavior as SplitBehavior, config.invert === true);
    }
    case 'Metaspace':
      return metaspace(config);
    case 'Digits':
      return splitByRegex(/\p{N}/gu, config.individual_digits === true ? 'Isolated' : 'Contiguous', false);
    case 'WhitespaceSplit':
      return splitByRegex(compileOnigRegex('\\s+'), 'Removed', false);
    case 'Whitespace':
      return splitByRegex(/[\p{L}\p{N}\p{Mn}\p{Pc}]+|[^\p{L}\p{N}\p{Mn}\p{Pc}\s]+/gu, 'Removed', true);
    default:
      throw new TokenizerError(
        `Unsupported pre-tokenizer type "${config.type}" in tokenizer.json. Supported: Sequence, Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit.`,
      );
  }
}

function byteLevelStep(config: ComponentJson): PreTokenizer {
  const addPrefixSpace = config.add_prefix_space === true;
  const split = config.use_regex !== false ? splitByRegex(compileOnigRegex(gpt2Pattern), 'Isolated', false) : null;
  return (text, atInputStart, emit) => {
    const input = addPrefixSpace && !text.startsWith(' ') ? ` ${text}` : text;
    if (split) split(input, atInputStart, emit);
    else if (input.length > 0) emit(input, atInputStart);
  };
}

function chain(steps: PreTokenizer[]): PreTokenizer {
  if (steps.length === 1) return steps[0]!;
  return steps.reduceRight<PreTokenizer>(
    (next, step) => (text, atInputStart, emit) => step(text, atInputStart, (word, wordAtStart) => next(word, wordAtStart, emit)),
    (text, atInputStart, emit) => emit(text, atInputStart),
  );
}

export function buildPreTokenizer(config: ComponentJson | null | undefined): PreTokenizerPipeline {
  const flat: ComponentJson[] = [];
  const flatten = (c: ComponentJson | null | undefined): void => {
    if (!c) return;
    if (c.type === 'Sequence') for (const inner of (c.pretokenizers as ComponentJson[]) ?? []) flatten(inner);
    else flat.push(c);
  };
  flatten(config);
  const byteLevelAt = flat.findIndex((c) => c.type === 'ByteLevel');
  if (byteLevelAt !== -1 && byteLevelAt !== flat.length - 1) {
    throw new TokenizerError('Unsupported pre-tokenizer sequence: ByteLevel must be the last pre-tokenizer step.');
  }
  const steps = flat.map((c) => (c.type === 'ByteLevel' ? byteLevelStep(c) : buildStep(c)));
  if (steps.length === 0) {
    return { run: (text, atInputStart, emit) => text.length > 0 && emit(text, atInputStart), byteLevel: false };
  }
  return { run: chain(steps), byteLevel: byteLevelAt !== -1 };
}
