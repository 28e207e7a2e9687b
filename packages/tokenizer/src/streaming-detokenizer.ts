import type { DecodeOptions, Tokenizer } from './tokenizer.js';
import { incompleteUtf8Tail } from './utf8.js';

/**
 * Turns generated ids into text one id at a time. Each `push` returns the new text; text is held
 * back while it could still change: inside a byte-fallback run (`<0xE4><0xB8>…`) or an unfinished
 * UTF-8 character of a byte-level vocabulary. The deltas of every `push`, followed by `flush()`,
 * concatenate to exactly `tokenizer.decode(allIds)`.
 *
 * Only a short window of ids is re-decoded per push (the last emitted token and the pending ones).
 */
export class StreamingDetokenizer {
  private readonly tokenizer: Tokenizer;
  private readonly skipSpecialTokens: boolean;
  private ids: number[] = [];
  /** Start of the re-decoded window. */
  private prefixOffset = 0;
  /** End of the text already returned. */
  private readOffset = 0;
  private emitted = '';
  /** Index of the first id that decode keeps (not a skipped special token), or -1. */
  private firstKept = -1;

  constructor(tokenizer: Tokenizer, options: DecodeOptions = {}) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = options.skipSpecialTokens === true;
  }

  /** All ids pushed so far. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }

  /** All text returned so far. */
  get text(): string {
    return this.emitted;
  }

  /** Adds one id; returns the text it completes (often '' while a character is unfinished). */
  push(id: number): string {
    this.ids.push(id);
    const skipped = this.skipSpecialTokens && this.tokenizer.isSpecialToken(id);
    if (!skipped && this.firstKept === -1) this.firstKept = this.ids.length - 1;
    // A skipped token adds no text, and byte runs on both sides of it join up in decode.
    if (skipped || this.mustWait()) return '';
    return this.advance();
  }

  /** Returns whatever is still held back (an unfinished character becomes U+FFFD, as decode does). */
  flush(): string {
    if (this.readOffset === this.ids.length) return '';
    return this.advance();
  }

  reset(): void {
    this.ids = [];
    this.prefixOffset = 0;
    this.readOffset = 0;
    this.emitted = '';
    this.firstKept = -1;
  }

  private advance(): string {
    const { tokenizer, ids, prefixOffset, readOffset, skipSpecialTokens } = this;
    const continuation = this.firstKept !== -1 && this.firstKept < prefixOffset;
    const before = tokenizer.decodeWindow(ids, prefixOffset, readOffset, skipSpecialTokens, continuation);
    const after = tokenizer.decodeWindow(ids, prefixOffset, ids.length, skipSpecialTokens, continuation);
    // Decoders here only ever append at the end of a window, so `before` is a prefix of `after`.
    const delta = after.startsWith(before) ? after.slice(before.length) : after.slice(commonPrefixLength(before, after));
    this.prefixOffset = readOffset;
    this.readOffset = ids.length;
    this.emitted += delta;
    return delta;
  }

  private mustWait(): boolean {
    const last = this.ids[this.ids.length - 1]!; // never a skipped token: push() handles those
    if (this.tokenizer.isByteFallbackToken(last)) return true;
    if (this.tokenizer.byteLevelBytes(last) === null) return false;
    // Byte-level: the pending tokens' bytes may end inside a multi-byte character.
    const tail: number[] = [];
    for (let i = this.ids.length - 1; i >= this.readOffset && tail.length < 4; i--) {
      const id = this.ids[i]!;
      if (this.skipSpecialTokens && this.tokenizer.isSpecialToken(id)) continue;
      tail.unshift(...this.tokenizer.byteLevelBytes(id)!);
    }
    return incompleteUtf8Tail(tail) > 0;
  }
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
