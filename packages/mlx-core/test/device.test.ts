// Devices and streams: the CPU is always there; work on a new stream gives the same values.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

describe('devices and streams', () => {
  it('the CPU is available and counted', () => {
    expect(mx.deviceIsAvailable(mx.cpu)).toBe(true);
    expect(mx.deviceCount('cpu')).toBeGreaterThanOrEqual(1);
    expect(['cpu', 'gpu']).toContain(mx.defaultDevice().type);
    expect(typeof mx.deviceInfo(mx.cpu)).toBe('object');
  });

  it('setDefaultDevice(cpu) routes work to the CPU', () => {
    const previous = mx.defaultDevice();
    mx.setDefaultDevice(mx.cpu);
    try {
      expect(mx.defaultDevice()).toEqual(mx.cpu);
      expect(mx.defaultStream(mx.cpu).device).toEqual(mx.cpu);
      expect(mx.tidy(() => mx.add(mx.array([1, 2]), 3).toList())).toEqual([4, 5]);
    } finally {
      mx.setDefaultDevice(previous);
    }
  });

  it('withStream runs ops on a new stream and restores the default', () => {
    const before = mx.defaultStream(mx.cpu);
    const stream = mx.newStream(mx.cpu);
    expect(stream.index).not.toBe(before.index);
    const value = mx.withStream(stream, () => {
      expect(mx.defaultStream(mx.cpu).index).toBe(stream.index);
      return mx.tidy(() => mx.sum(mx.arange(10)).item());
    });
    expect(value).toBe(45);
    mx.synchronize(stream);
    mx.synchronize();
    expect(mx.defaultStream(mx.cpu).index).toBe(before.index);
  });

  it('memory statistics are numbers and limits round-trip', () => {
    expect(mx.memory.getActiveMemory()).toBeGreaterThanOrEqual(0);
    expect(mx.memory.getPeakMemory()).toBeGreaterThanOrEqual(mx.memory.getActiveMemory());
    expect(mx.memory.getCacheMemory()).toBeGreaterThanOrEqual(0);
    const previous = mx.memory.setCacheLimit(1 << 20);
    expect(mx.memory.setCacheLimit(previous)).toBe(1 << 20);
    mx.memory.clearCache();
    expect(mx.memory.getCacheMemory()).toBe(0);
    mx.memory.resetPeakMemory();
    expect(mx.memory.getPeakMemory()).toBeLessThanOrEqual(mx.memory.getActiveMemory() + 1);
  });
});
