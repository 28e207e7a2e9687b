// MLX allocator statistics and limits (bytes).
import { native } from './native.js';
import { liveArrayCount } from './scope.js';

export const getActiveMemory = (): number => native().getActiveMemory();
export const getPeakMemory = (): number => native().getPeakMemory();
export const getCacheMemory = (): number => native().getCacheMemory();
export const getMemoryLimit = (): number => native().getMemoryLimit();
export const resetPeakMemory = (): void => native().resetPeakMemory();
/** Frees MLX's buffer cache (memory kept for reuse), and on glibc the free pages of malloc's heaps (malloc_trim). */
export const clearCache = (): void => native().clearCache();
/**
 * Runs V8's low-memory collection (Isolate::LowMemoryNotification): a full garbage collection
 * that also shrinks the young generation a burst of allocation grew and returns the freed heap
 * pages to the system, instead of keeping them committed until V8's memory reducer runs on an
 * idle process. It blocks for tens of ms, so it belongs after one-off work that leaves much
 * garbage (loading a model), not in a hot loop. Returns false, doing nothing, where the runtime
 * is not V8 or does not export it.
 */
export const reduceJsHeap = (): boolean => native().reduceJsHeap();
/** Returns the previous limit. */
export const setCacheLimit = (bytes: number): number => native().setCacheLimit(bytes);
export const setMemoryLimit = (bytes: number): number => native().setMemoryLimit(bytes);
/** Wired (resident) memory limit; Metal on macOS 15+ only, a no-op elsewhere. */
export const setWiredLimit = (bytes: number): number => native().setWiredLimit(bytes);
export { liveArrayCount };
