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
/** Returns the previous limit. */
export const setCacheLimit = (bytes: number): number => native().setCacheLimit(bytes);
export const setMemoryLimit = (bytes: number): number => native().setMemoryLimit(bytes);
/** Wired (resident) memory limit; Metal on macOS 15+ only, a no-op elsewhere. */
export const setWiredLimit = (bytes: number): number => native().setWiredLimit(bytes);
export { liveArrayCount };
