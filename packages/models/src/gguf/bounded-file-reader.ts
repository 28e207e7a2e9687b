import type { FileHandle } from 'node:fs/promises';

const chunkBytes = 1 << 20;
// ignoreBOM: a leading U+FEFF is part of the string (Gemma has tokens like "\uFEFF//"), not a marker to drop.
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const hexDigits = new TextEncoder().encode('0123456789abcdef');

/**
 * Sequential little-endian reader over a file handle that buffers in 1 MiB chunks and never
 * reads past the file's end. Callers `await need(n)` before reading n bytes; `need` fails (through
 * `onTruncated`) instead of allocating when fewer than n bytes remain, so a corrupt length field
 * can never cause a large allocation.
 */
export class BoundedFileReader {
  private buffer: Buffer = Buffer.alloc(0);
  private view = new DataView(this.buffer.buffer, this.buffer.byteOffset, 0);
  /** File position of buffer[0]. */
  private bufferStart = 0;
  /** Read position inside buffer. */
  private cursor = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly fileSize: number,
    private readonly onTruncated: (needed: number, position: number) => never,
  ) {}

  /** Absolute file position of the next byte to read. */
  get position(): number {
    return this.bufferStart + this.cursor;
  }

  /** Bytes between the read position and the end of the file. */
  get remaining(): number {
    return this.fileSize - this.position;
  }

  /** Whether the next n bytes are already buffered (callers skip the await of `need` then). */
  has(n: number): boolean {
    return this.cursor + n <= this.buffer.length;
  }

  /** Makes the next n bytes readable synchronously. */
  async need(n: number): Promise<void> {
    if (this.cursor + n <= this.buffer.length) return;
    const position = this.position;
    if (n > this.fileSize - position) this.onTruncated(n, position);
    const length = Math.min(Math.max(n, chunkBytes), this.fileSize - position);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, position);
    if (bytesRead < n) this.onTruncated(n, position);
    this.buffer = buffer.subarray(0, bytesRead);
    this.view = new DataView(buffer.buffer, buffer.byteOffset, bytesRead);
    this.bufferStart = position;
    this.cursor = 0;
  }

  u8(): number {
    return this.view.getUint8(this.cursor++);
  }
  i8(): number {
    return this.view.getInt8(this.cursor++);
  }
  u16(): number {
    const value = this.view.getUint16(this.cursor, true);
    this.cursor += 2;
    return value;
  }
  i16(): number {
    const value = this.view.getInt16(this.cursor, true);
    this.cursor += 2;
    return value;
  }
  u32(): number {
    const value = this.view.getUint32(this.cursor, true);
    this.cursor += 4;
    return value;
  }
  i32(): number {
    const value = this.view.getInt32(this.cursor, true);
    this.cursor += 4;
    return value;
  }
  u64(): bigint {
    const value = this.view.getBigUint64(this.cursor, true);
    this.cursor += 8;
    return value;
  }
  i64(): bigint {
    const value = this.view.getBigInt64(this.cursor, true);
    this.cursor += 8;
    return value;
  }
  f32(): number {
    const value = this.view.getFloat32(this.cursor, true);
    this.cursor += 4;
    return value;
  }
  f64(): number {
    const value = this.view.getFloat64(this.cursor, true);
    this.cursor += 8;
    return value;
  }

  /** A u64 as a number; values of 2^53 and more come back as Infinity (callers bound-check it). */
  u64AsNumber(): number {
    const low = this.view.getUint32(this.cursor, true);
    const high = this.view.getUint32(this.cursor + 4, true);
    this.cursor += 8;
    return high < 0x200000 ? high * 0x100000000 + low : Infinity;
  }

  /** Decodes n bytes as UTF-8 (invalid sequences become U+FFFD). */
  utf8(n: number): string {
    const start = this.cursor;
    this.cursor += n;
    // Most vocabulary entries are short ASCII: building those directly is several times faster.
    if (n <= 16) {
      let text = '';
      for (let i = start; i < start + n; i++) {
        const byte = this.buffer[i]!;
        if (byte >= 0x80) return utf8.decode(this.buffer.subarray(start, start + n));
        text += String.fromCharCode(byte);
      }
      return text;
    }
    return utf8.decode(this.buffer.subarray(start, start + n));
  }

  /**
   * Appends the next n bytes to `out` at `at` as the inside of a JSON string (`"`, `\\` and
   * control bytes escaped; every other byte, UTF-8 or not, as is); returns the new end. `out`
   * must have room for 6n bytes.
   */
  jsonEscaped(n: number, out: Uint8Array, at: number): number {
    const buffer = this.buffer;
    const end = this.cursor + n;
    for (let i = this.cursor; i < end; i++) {
      const byte = buffer[i]!;
      if (byte >= 0x20 && byte !== 0x22 && byte !== 0x5c) {
        out[at++] = byte;
      } else if (byte === 0x22 || byte === 0x5c) {
        out[at++] = 0x5c;
        out[at++] = byte;
      } else {
        // \u00XX
        out[at++] = 0x5c;
        out[at++] = 0x75;
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = hexDigits[byte >> 4]!;
        out[at++] = hexDigits[byte & 15]!;
      }
    }
    this.cursor = end;
    return at;
  }

  /** Copies n bytes into a fresh, 8-byte-aligned ArrayBuffer (so any typed array can view it). */
  copy(n: number): ArrayBuffer {
    const out = new ArrayBuffer(n);
    new Uint8Array(out).set(this.buffer.subarray(this.cursor, this.cursor + n));
    this.cursor += n;
    return out;
  }
}
