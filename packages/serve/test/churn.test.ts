// The churn bench (bench/churn.mjs) as a CI smoke: 150 requests arriving at random — streaming or
// not, chat or completions, random prompt lengths and max_tokens, about 30% of the clients leaving
// at a random point — against the server over a WorkerBackend on the tiny random Gemma 3. No
// request fails for any reason but its client's departure, and once the run has drained the live
// MLX arrays and active memory are back at the level measured before it (the prefix cache, which
// keeps arrays by design, is off).
import { describe, expect, it } from 'vitest';
import { runChurn } from '../bench/churn.mjs';
import { tinyModel } from './cli-helpers.js';

const requests = Number(process.env.CHURN_REQUESTS ?? 150);

describe(`churn of ${requests} requests`, () => {
  it('fails none and leaves no arrays or memory behind', async () => {
    const report = await runChurn({ model: tinyModel(), requests, concurrency: 16, seed: 7, sampleMs: 250 });
    expect(report.errorSamples).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.completed + report.disconnected).toBe(requests);
    // Clients did leave, and at more than one point of their request.
    expect(report.disconnected).toBeGreaterThan(0);
    expect(Object.keys(report.disconnectedBy).length).toBeGreaterThan(1);
    expect(report.mix.stream).toBeGreaterThan(0);
    expect(report.mix.nonStream).toBeGreaterThan(0);
    // The run held more arrays while it ran than before it: the level after is a real return.
    expect(report.liveArrays.maxDuring).toBeGreaterThan(report.liveArrays.before);
    expect(Math.abs(report.liveArrays.after - report.liveArrays.before)).toBeLessThanOrEqual(2);
    expect(Math.abs(report.activeMemoryMB.after - report.activeMemoryMB.before)).toBeLessThanOrEqual(0.1);
    expect(report.healthAfter).toBe('ok');
  });
});
