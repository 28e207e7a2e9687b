/**
 * Reads tokenizer.json straight from its bytes. `JSON.parse` of a 33 MB file (Gemma 3) plus building
 * maps from its 262k-key vocabulary and 515k merges costs seconds; scanning the two big sections
 * into a byte-hashed vocabulary costs a fraction of that. Everything else goes through JSON.parse.
 */
import { TokenizerError } from './errors.js';
import type { TokenizerJson } from './json-types.js';
import { checkTokenId, releaseBuffer, Vocabulary } from './vocabulary.js';
import { utf8Encoder } from './utf8.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

export interface ScannedTokenizerJson {
  json: TokenizerJson;
  vocabulary: Vocabulary;
  /** Merges resolved to ids: [left, right, merged] per rank. */
  mergeIds: Int32Array;
}

function malformed(at: number, what: string): never {
  throw new TokenizerError(`tokenizer.json is malformed near byte ${at}: ${what}.`);
}

function skipSpace(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

let lastStringEscaped = false;
/** End (exclusive) of the object `objectMembers` read last. */
let lastObjectEnd = 0;

/** Index of the closing quote of the string opening at `i`; sets `lastStringEscaped`. */
function stringEnd(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) malformed(i, 'expected a string');
  lastStringEscaped = false;
  for (i++; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      lastStringEscaped = true;
      i++;
    }
  }
  return malformed(i, 'unterminated string');
}

/** End (exclusive) of the JSON value starting at `i`. */
function valueEnd(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i) + 1;
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (; i < b.length; i++) {
      const d = b[i];
      if (d === QUOTE) i = stringEnd(b, i);
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return i + 1;
      }
    }
    return malformed(i, 'unterminated object or array');
  }
  while (i < b.length) {
    const d = b[i];
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    i++;
  }
  return i;
}

/**
 * Key → [start, end) of each value of the object starting at `i`. A handler may read a member's
 * value itself and return where it ends, so that big values are scanned only once.
 */
function objectMembers(b: Uint8Array, i: number, handlers: Record<string, (start: number) => number> = {}): Map<string, [number, number]> {
  const members = new Map<string, [number, number]>();
  i = skipSpace(b, i);
  if (b[i] !== 0x7b) malformed(i, 'expected an object');
  i = skipSpace(b, i + 1);
  if (b[i] === 0x7d) {
    lastObjectEnd = i + 1;
    return members;
  }
  for (;;) {
    const keyEnd = stringEnd(b, i);
    const key = JSON.parse(textDecoder.decode(b.subarray(i, keyEnd + 1))) as string;
    i = skipSpace(b, keyEnd + 1);
    if (b[i] !== 0x3a) malformed(i, 'expected ":"');
    i = skipSpace(b, i + 1);
    const handler = Object.hasOwn(handlers, key) ? handlers[key] : undefined;
    const end = handler ? handler(i) : valueEnd(b, i);
    members.set(key, [i, end]);
    i = skipSpace(b, end);
    if (b[i] === 0x2c) i = skipSpace(b, i + 1);
    else if (b[i] === 0x7d) {
      lastObjectEnd = i + 1;
      return members;
    } else malformed(i, 'expected "," or "}"');
  }
}

function parseSpan(b: Uint8Array, span: [number, number]): unknown {
  return JSON.parse(textDecoder.decode(b.subarray(span[0], span[1])));
}

function scanVocabulary(b: Uint8Array, start: number): { vocabulary: Vocabulary; end: number } {
  // First pass: count entries and find the largest id.
  const entries: number[] = []; // triples: key start, key end (exclusive of quotes), id
  const escaped: Map<number, Uint8Array> = new Map();
  let i = skipSpace(b, start);
  if (b[i] !== 0x7b) malformed(i, 'vocab must be an object');
  i = skipSpace(b, i + 1);
  let maxId = -1;
  while (i < b.length && b[i] !== 0x7d) {
    const keyEnd = stringEnd(b, i);
    const entryIndex = entries.length / 3;
    if (lastStringEscaped) escaped.set(entryIndex, utf8Encoder.encode(JSON.parse(textDecoder.decode(b.subarray(i, keyEnd + 1))) as string));
    const keyStart = i + 1;
    i = skipSpace(b, keyEnd + 1);
    if (b[i] !== 0x3a) malformed(i, 'expected ":" in vocab');
    i = skipSpace(b, i + 1);
    let id = 0;
    let digits = 0;
    while (b[i]! >= 0x30 && b[i]! <= 0x39) {
      id = id * 10 + (b[i]! - 0x30);
      i++;
      digits++;
    }
    if (digits === 0) malformed(i, 'vocab ids must be non-negative integers');
    entries.push(keyStart, keyEnd, id);
    if (id > maxId) maxId = id;
    i = skipSpace(b, i);
    if (b[i] === 0x2c) i = skipSpace(b, i + 1);
  }
  if (maxId >= 0) checkTokenId(maxId, entries.length / 3, 'A vocab entry of tokenizer.json');
  const size = maxId + 1;
  // The arena in id order (an id's bytes end where the next id's start): the entry of each id,
  // the last one listed when two name the same id.
  const entryOf = new Int32Array(size).fill(-1);
  for (let e = 0; e < entries.length; e += 3) entryOf[entries[e + 2]!] = e;
  const bytesOf = (e: number): number => escaped.get(e / 3)?.length ?? entries[e + 1]! - entries[e]!;
  let total = 0;
  for (let id = 0; id < size; id++) if (entryOf[id] !== -1) total += bytesOf(entryOf[id]!);
  const arena = new Uint8Array(total);
  const offsets = new Int32Array(size + 1);
  const missing = new Set<number>();
  let at = 0;
  for (let id = 0; id < size; id++) {
    offsets[id] = at;
    const e = entryOf[id]!;
    if (e === -1) {
      missing.add(id);
      continue;
    }
    const own = escaped.get(e / 3);
    const from = own ? own : b;
    const s = own ? 0 : entries[e]!;
    const t = own ? own.length : entries[e + 1]!;
    for (let k = s; k < t; k++) arena[at++] = from[k]!;
  }
  offsets[size] = at;
  releaseBuffer(entryOf);
  return { vocabulary: new Vocabulary(arena, offsets, missing), end: i + 1 };
}

function scanMerges(b: Uint8Array, start: number, vocabulary: Vocabulary): { mergeIds: Int32Array; end: number } {
  let out = new Int32Array(3 * 65536);
  let count = 0;
  let i = skipSpace(b, start);
  if (b[i] !== 0x5b) malformed(i, 'merges must be an array');
  i = skipSpace(b, i + 1);
  const unresolved = (rank: number, text: string): never => {
    throw new TokenizerError(`Merge ${text} (rank ${rank}) names a token that is not in the vocabulary; the tokenizer file is inconsistent.`);
  };
  let aStart = 0;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i < b.length && b[i] !== 0x5d) {
    const rank = count;
    let source = b;
    if (b[i] === QUOTE) {
      // "left right"
      const close = stringEnd(b, i);
      if (lastStringEscaped) {
        const text = JSON.parse(textDecoder.decode(b.subarray(i, close + 1))) as string;
        source = utf8Encoder.encode(text);
        const space = source.indexOf(0x20);
        aStart = 0;
        aEnd = space;
        bStart = space + 1;
        bEnd = source.length;
      } else {
        const space = b.indexOf(0x20, i + 1);
        if (space === -1 || space > close) malformed(i, 'merge must be "left right"');
        aStart = i + 1;
        aEnd = space;
        bStart = space + 1;
        bEnd = close;
      }
      i = close + 1;
    } else if (b[i] === 0x5b) {
      // ["left", "right"]
      i = skipSpace(b, i + 1);
      const aClose = stringEnd(b, i);
      const aEscaped = lastStringEscaped;
      const aOpen = i;
      i = skipSpace(b, aClose + 1);
      if (b[i] !== 0x2c) malformed(i, 'merge pair needs two strings');
      i = skipSpace(b, i + 1);
      const bClose = stringEnd(b, i);
      const bOpen = i;
      if (aEscaped || lastStringEscaped) {
        const left = utf8Encoder.encode(JSON.parse(textDecoder.decode(b.subarray(aOpen, aClose + 1))) as string);
        const right = utf8Encoder.encode(JSON.parse(textDecoder.decode(b.subarray(bOpen, bClose + 1))) as string);
        source = new Uint8Array(left.length + right.length);
        source.set(left);
        source.set(right, left.length);
        aStart = 0;
        aEnd = left.length;
        bStart = left.length;
        bEnd = source.length;
      } else {
        aStart = aOpen + 1;
        aEnd = aClose;
        bStart = bOpen + 1;
        bEnd = bClose;
      }
      i = skipSpace(b, bClose + 1);
      if (b[i] !== 0x5d) malformed(i, 'merge pair must have two strings');
      i++;
    } else {
      return malformed(i, 'merges must be strings or pairs of strings');
    }
    const left = vocabulary.findBytes(source, aStart, aEnd);
    const leftHash = vocabulary.lastHash;
    const right = vocabulary.findBytes(source, bStart, bEnd);
    const merged = left === -1 || right === -1 ? -1 : vocabulary.findConcatenation(source, aStart, aEnd, leftHash, bStart, bEnd, vocabulary.lastHash);
    if (merged === -1) unresolved(rank, textDecoder.decode(source.subarray(aStart, bEnd)));
    if (3 * count + 3 > out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[3 * count] = left;
    out[3 * count + 1] = right;
    out[3 * count + 2] = merged;
    count++;
    i = skipSpace(b, i);
    if (b[i] === 0x2c) i = skipSpace(b, i + 1);
  }
  return { mergeIds: out.slice(0, 3 * count), end: i + 1 };
}

export function scanTokenizerJson(bytes: Uint8Array): ScannedTokenizerJson {
  try {
    return scan(bytes);
  } catch (error) {
    // The scanner indexes and JSON.parses spans of a file it cannot trust: whatever else a broken
    // file makes fail (a SyntaxError in an escaped key, a merge without its space) is the file's fault.
    if (TokenizerError.isInstance(error)) throw error;
    throw new TokenizerError(`tokenizer.json is malformed: ${(error as Error).message}`, { cause: error });
  }
}

function scan(bytes: Uint8Array): ScannedTokenizerJson {
  let model: Record<string, unknown> | undefined;
  let vocabulary: Vocabulary | undefined;
  let mergeIds: Int32Array = new Int32Array(0);
  const readModel = (start: number): number => {
    model = {};
    const members = objectMembers(bytes, start, {
      vocab: (at) => {
        const scanned = scanVocabulary(bytes, at);
        vocabulary = scanned.vocabulary;
        return scanned.end;
      },
      merges: (at) => {
        if (!vocabulary) throw new TokenizerError('tokenizer.json lists "merges" before "vocab"; rewrite it with Hugging Face tokenizers.');
        const scanned = scanMerges(bytes, at, vocabulary);
        mergeIds = scanned.mergeIds;
        return scanned.end;
      },
    });
    const end = lastObjectEnd;
    for (const [key, span] of members) if (key !== 'vocab' && key !== 'merges') model[key] = parseSpan(bytes, span);
    return end;
  };
  const top = objectMembers(bytes, 0, { model: readModel });
  const json: Record<string, unknown> = {};
  for (const [key, span] of top) if (key !== 'model') json[key] = parseSpan(bytes, span);
  if (!model) throw new TokenizerError('tokenizer.json has no "model" object; is this a Hugging Face tokenizer.json file?');
  if (!vocabulary) throw new TokenizerError('tokenizer.json model has no "vocab".');
  json.model = { ...model, vocab: {} };
  return { json: json as unknown as TokenizerJson, vocabulary, mergeIds };
}
