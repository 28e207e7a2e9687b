// fast-check generators of hostile tokenizer.json bytes: a small valid byte-level BPE tokenizer
// with one value anywhere in its tree replaced or removed (hostile ids, sizes, types, patterns),
// or its text cut, overwritten or spliced (what the byte scanner of the vocabulary must survive).
import fc from 'fast-check';
import { byteToChar } from '../../src/byte-level.js';

function validTokenizer(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  for (const ch of byteToChar) vocab[ch] = Object.keys(vocab).length;
  const merges = [
    ['h', 'e'],
    ['l', 'l'],
    ['he', 'll'],
    ['Ġ', 'w'],
  ];
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const bos = Object.keys(vocab).length;
  return {
    version: '1.0',
    added_tokens: [
      { id: bos, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: bos + 1, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { String: '\t' }, content: ' ' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "'s|'t| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+" }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [bos], tokens: ['<s>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}

/** Every path into the tree (object keys and array indices), the root excluded. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    paths((value as Record<string | number, unknown>)[key], path, out);
  }
  return out;
}
const validPaths = paths(validTokenizer());
// The vocabulary's 260 entries would drown the other paths: pick a tree path or a vocabulary entry evenly.
const treePaths = validPaths.filter((p) => !(p[0] === 'model' && p[1] === 'vocab' && p.length === 3));
const vocabPaths = validPaths.filter((p) => p[0] === 'model' && p[1] === 'vocab' && p.length === 3);

const hostileValue = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.constantFrom(-1, 2 ** 31, 2 ** 32, 1e9, 2 ** 53, 1e300, 0.5, Number.NaN, '', 'BPE', 'Sequence', 'ByteLevel', 'Metaspace', 'Split'),
  fc.constantFrom({ Regex: '(' }, { Regex: '\\' }, { Regex: '[' }, { String: '' }, { Regex: '' }, { Regex: '(?<=a)' }, { Regex: '\\p{Nope}' }),
  fc.string({ maxLength: 6, unit: 'binary' }),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);

const treeMutation = fc.tuple(fc.constantFrom(...treePaths, ...vocabPaths.slice(0, 20)), fc.boolean(), hostileValue).map(([path, remove, value]) => {
  const tree = validTokenizer();
  let node = tree as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(node)) delete node[last];
  else node[last] = value;
  return Buffer.from(JSON.stringify(tree));
});

const validText = Buffer.from(JSON.stringify(validTokenizer()));
const textMutation = fc
  .tuple(fc.nat(validText.length), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
  .map(([at, which, bytes]) => {
    switch (which) {
      case 0:
        return validText.subarray(0, at);
      case 1:
        return Buffer.concat([validText.subarray(0, at), bytes, validText.subarray(at)]);
      case 2:
        return Buffer.concat([validText.subarray(0, at), bytes, validText.subarray(Math.min(validText.length, at + bytes.length))]);
      default:
        return Buffer.concat([validText.subarray(0, at), Buffer.from(JSON.stringify(String.fromCharCode(...bytes))), validText.subarray(at)]);
    }
  });

/** Hostile tokenizer.json bytes. */
export const hostileTokenizerJson: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: treeMutation, weight: 4 },
  { arbitrary: textMutation, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? '')), weight: 1 },
  { arbitrary: fc.constant(validText), weight: 1 },
);
