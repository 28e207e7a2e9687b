// The budget of a fast-check fuzz property. The normal test run (CI) gives each target a couple of
// seconds; `pnpm fuzz` (tools/fuzz.mjs) sets FUZZ_SECONDS per target and FUZZ_SEED to replay a run.
import type { Parameters, RunDetails } from 'fast-check';

export const fuzzSeconds = Number(process.env.FUZZ_SECONDS ?? 2);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** Runs until `share` of the target's seconds are spent; running out of time is not a failure. */
export function budget<T>(share = 1): Parameters<T> {
  return {
    numRuns: Number.MAX_SAFE_INTEGER,
    interruptAfterTimeLimit: Math.max(500, fuzzSeconds * 1000 * share),
    markInterruptAsFailure: false,
    reporter: throwShortly,
    ...(seed === undefined ? {} : { seed }),
  };
}

/** A failure names the seed to replay and a preview of the input (files are too long to print whole). */
function throwShortly<T>(details: RunDetails<T>): void {
  if (!details.failed) return;
  const preview = (value: unknown): string => {
    const text = value instanceof Uint8Array ? `${value.length} bytes: ${JSON.stringify(Buffer.from(value).toString('latin1'))}` : JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 800 ? `${text.slice(0, 800)}...` : text;
  };
  const input = ((details.counterexample ?? []) as unknown[]).map(preview).join(', ');
  throw new Error(`fuzz failure (replay with FUZZ_SEED=${details.seed}) on ${input}:\n${String(details.errorInstance)}`, { cause: details.errorInstance });
}

/** The vitest timeout of a fuzz test: its budget plus room for a slow machine. */
export const fuzzTimeout = fuzzSeconds * 1000 + 120_000;

/**
 * A single input taking this long is a hang, not slowness: parsers of files this small finish in
 * milliseconds. Generous so that a loaded CI machine never trips it.
 */
export const hangMs = 10_000;

/** One line that tools/fuzz.mjs collects into the run's summary. */
export function report(target: string, executions: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ fuzz: target, executions, seconds: fuzzSeconds, ...extra }));
}
