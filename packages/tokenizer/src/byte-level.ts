/**
 * GPT-2's reversible map between bytes and printable characters, used by ByteLevel
 * pre-tokenizers and decoders: printable Latin-1 bytes map to themselves, the rest to U+0100 onward.
 */
function buildByteToChar(): string[] {
  const table: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCharCode(printable ? byte : next++);
  }
  return table;
}

export const byteToChar: readonly string[] = buildByteToChar();

export const charToByte: ReadonlyMap<string, number> = new Map(byteToChar.map((ch, byte) => [ch, byte]));

/** Characters of a byte-level token back to bytes, or null when a character is outside the map. */
export function byteLevelTokenBytes(token: string): number[] | null {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const byte = charToByte.get(token[i]!);
    if (byte === undefined) return null;
    bytes.push(byte);
  }
  return bytes;
}
