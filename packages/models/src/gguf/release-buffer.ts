/**
 * Frees the memory behind a host buffer now, by detaching it (ES2024 `ArrayBuffer.prototype.transfer`
 * to length 0), instead of when a later V8 collection finds it unreachable. Loading copies each
 * tensor's decoded bytes into MLX and drops them: left to the collector, hundreds of MB of them
 * wait in the allocator, and freed late, among other allocations, they stay resident. Call it only
 * on buffers nothing reads again. A no-op where `transfer` is missing.
 */
export function releaseBuffer(view: ArrayBufferView | undefined): void {
  const buffer = view?.buffer as (ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean }) | undefined;
  if (buffer === undefined || buffer.detached === true || buffer.byteLength === 0 || typeof buffer.transfer !== 'function') return;
  buffer.transfer(0);
}
