import { byteLevelTokenBytes } from './byte-level.js';
import { TokenizerError } from './errors.js';
import type { ComponentJson, PatternJson } from './json-types.js';
import { utf8Decoder } from './utf8.js';
import { decodeUtf8Strict } from './utf8.js';

/** A decoder step maps the list of token strings to a new list, as Hugging Face's `decode_chain`. */
export type DecoderStep = (tokens: string[]) => string[];

export interface DecoderPipeline {
  decode: (tokens: string[]) => string;
  /** The ByteFallback step is present: `<0xXX>` tokens are bytes to join. */
  byteFallback: boolean;
  /** A ByteLevel step is present: tokens are GPT-2 byte characters. */
  byteLevel: boolean;
}

const byteToken = /^<0x([0-9A-F]{2})>$/;

export function parseByteToken(token: string): number {
  const m = token.length === 6 ? byteToken.exec(token) : null;
  return m ? parseInt(m[1]!, 16) : -1;
}

function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = decodeUtf8Strict(Uint8Array.from(pending));
    out.push(text ?? '\ufffd'.repeat(pending.length));
    pending = [];
  };
  for (const token of tokens) {
    const byte = parseByteToken(token);
    if (byte === -1) {
      flush();
      out.push(token);
    } else pending.push(byte);
  }
  flush();
  return out;
}

function byteLevel(tokens: string[]): string[] {
  const bytes: number[] = [];
  for (const token of tokens) {
    const own = byteLevelTokenBytes(token);
    if (own) for (const b of own) bytes.push(b);
    else for (const b of new TextEncoder().encode(token)) bytes.push(b);
  }
  return [utf8Decoder.decode(Uint8Array.from(bytes))];
}

function strip(content: string, start: number, stop: number): DecoderStep {
  return (tokens) =>
    tokens.map((token) => {
      const chars = Array.from(token);
      let from = 0;
      while (from < start && from < chars.length && chars[from] === content) from++;
      let to = chars.length;
      while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
      return from === 0 && to === chars.length ? token : chars.slice(from, to).join('');
    });
}

function replace(config: ComponentJson): DecoderStep {
  const pattern = config.pattern as PatternJson;
  const content = String(config.content ?? '');
  if (!('String' in pattern)) throw new TokenizerError('Unsupported Replace decoder with a Regex pattern; only String patterns are supported.');
  const from = pattern.String;
  return (tokens) => tokens.map((token) => token.replaceAll(from, content));
}

function metaspace(config: ComponentJson): DecoderStep {
  const replacement = String(config.replacement ?? '\u2581');
  const scheme = (config.prepend_scheme as string | undefined) ?? (config.add_prefix_space === false ? 'never' : 'always');
  const dropFirst = scheme !== 'never';
  // As Hugging Face: in the first token every replacement character is dropped, elsewhere it is a space.
  return (tokens) => tokens.map((token, index) => token.replaceAll(replacement, index === 0 && dropFirst ? '' : ' '));
}

function buildStep(config: ComponentJson): DecoderStep {
  switch (config.type) {
    case 'Replace':
      return replace(config);
    case 'ByteFallback':
      return byteFallback;
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip':
      return strip(String(config.content ?? ' '), Number(config.start ?? 0), Number(config.stop ?? 0));
    case 'ByteLevel':
      return byteLevel;
    case 'Metaspace':
      return metaspace(config);
    default:
      throw new TokenizerError(
        `Unsupported decoder type "${config.type}" in tokenizer.json. Supported: Sequence, Replace, ByteFallback, Fuse, Strip, ByteLevel, Metaspace.`,
      );
  }
}

export function buildDecoder(config: ComponentJson | null | undefined): DecoderPipeline {
  const flat: ComponentJson[] = [];
  const flatten = (c: ComponentJson | null | undefined): void => {
    if (!c) return;
    if (c.type === 'Sequence') for (const inner of (c.decoders as ComponentJson[]) ?? []) flatten(inner);
    else flat.push(c);
  };
  flatten(config);
  const steps = flat.map(buildStep);
  const decode =
    config == null
      ? (tokens: string[]) => tokens.join(' ') // Hugging Face joins with spaces when there is no decoder
      : (tokens: string[]) => steps.reduce((acc, step) => step(acc), tokens).join('');
  return {
    decode,
    byteFallback: flat.some((c) => c.type === 'ByteFallback'),
    byteLevel: flat.some((c) => c.type === 'ByteLevel'),
  };
}
