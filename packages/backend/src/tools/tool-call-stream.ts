// Splits generated text into plain text and tool calls as it streams. Text that might be the
// start of a call marker is held back until it is known not to be one; a call is reported when
// its JSON object and the family's closing text are complete.
import type { ParsedToolCall, ToolCallFormat } from './tool-call-format.js';

export type ToolStreamPiece = { type: 'text'; text: string } | { type: 'call'; call: ParsedToolCall };

/** Length of the longest suffix of `text` that is a proper prefix of `marker`. */
function partialMarkerLength(text: string, marker: string): number {
  for (let length = Math.min(marker.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(marker.slice(0, length))) return length;
  }
  return 0;
}

/** End index (exclusive) of the first complete JSON object at or after `from`, or -1. */
function jsonObjectEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = text.indexOf('{', from); i >= 0 && i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

export class ToolCallStream {
  private buffer = '';
  private inCall = false;
  /** Whitespace (and Llama's `;`) between a call and what follows is dropped, however it arrives. */
  private afterCall = false;

  constructor(private readonly format: ToolCallFormat) {}

  push(text: string): ToolStreamPiece[] {
    this.buffer += text;
    const pieces: ToolStreamPiece[] = [];
    for (;;) {
      if (this.afterCall) {
        this.buffer = this.buffer.replace(/^[\s;]+/, '');
        if (this.buffer === '') return pieces;
        this.afterCall = false;
      }
      if (!this.inCall) {
        const at = this.buffer.indexOf(this.format.syntax.trigger);
        if (at < 0) {
          const keep = partialMarkerLength(this.buffer, this.format.syntax.trigger);
          const emit = this.buffer.slice(0, this.buffer.length - keep);
          if (emit) pieces.push({ type: 'text', text: emit });
          this.buffer = this.buffer.slice(emit.length);
          return pieces;
        }
        if (at > 0) pieces.push({ type: 'text', text: this.buffer.slice(0, at) });
        this.buffer = this.buffer.slice(at);
        this.inCall = true;
      }
      const end = this.callEnd();
      if (end < 0) return pieces;
      const call = this.format.parseCall(this.buffer.slice(0, end));
      pieces.push(call ? { type: 'call', call } : { type: 'text', text: this.buffer.slice(0, end) });
      this.buffer = this.buffer.slice(end);
      this.inCall = false;
      this.afterCall = true;
    }
  }

  /** Whatever is left when generation ends: an unfinished call is given back as text. */
  flush(): ToolStreamPiece[] {
    const rest = this.buffer;
    this.buffer = '';
    this.inCall = false;
    this.afterCall = false;
    return rest ? [{ type: 'text', text: rest }] : [];
  }

  private callEnd(): number {
    const objectEnd = jsonObjectEnd(this.buffer, 0);
    if (objectEnd < 0) return -1;
    const closing = this.format.closing;
    if (!closing) return objectEnd;
    const at = this.buffer.indexOf(closing, objectEnd);
    return at < 0 ? -1 : at + closing.length;
  }
}
