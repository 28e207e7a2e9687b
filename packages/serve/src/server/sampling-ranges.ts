// The ranges of the sampling parameters, shared by the HTTP schema and the CLI flags so that
// both accept the same values (OpenAI's ranges where OpenAI defines the parameter).
export interface Range {
  min: number;
  max: number;
  /** The minimum itself is excluded (top_p > 0). */
  exclusiveMin?: boolean;
  integer?: boolean;
}

export const samplingRanges = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1, exclusiveMin: true },
  top_k: { min: 0, max: 1_000_000, integer: true },
  min_p: { min: 0, max: 1 },
  repetition_penalty: { min: 0, max: 10, exclusiveMin: true },
  presence_penalty: { min: -2, max: 2 },
  frequency_penalty: { min: -2, max: 2 },
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
} satisfies Record<string, Range>;

/** The range as a JSON-schema fragment. */
export function rangeSchema(range: Range): Record<string, unknown> {
  return {
    type: range.integer ? 'integer' : 'number',
    ...(range.exclusiveMin ? { exclusiveMinimum: range.min } : { minimum: range.min }),
    maximum: range.max,
  };
}
