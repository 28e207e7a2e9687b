// Seeded random JSON schemas of the kinds applications send: nested objects, arrays, enums,
// required fields, bounded integers, strings with lengths and patterns. Bounds keep every
// valid output short, so a generation always finishes within a few dozen tokens.
type Schema = Record<string, unknown>;

/** mulberry32: a small seeded generator, so a failing schema can be reproduced from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One-token words and keys keep outputs to a handful of tokens: 500 generations fit in minutes on a CPU.
const words = ['red', 'blue', 'cat', 'dog', 'yes', 'no', 'up', 'tea'];
const names = ['a', 'b', 'c', 'id', 'x', 'y', 'ok', 'n'];

export function randomSchema(seed: number): Schema {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));

  const leaf = (): Schema => {
    switch (int(0, 5)) {
      case 0:
        return { type: 'string', maxLength: int(1, 2) };
      case 1:
        return { type: 'string', pattern: pick(['^[a-z]{1,2}$', '^[0-9]{2}$', '^(ab|cd)$']) };
      case 2: {
        const low = int(-9, 9);
        return { type: 'integer', minimum: low, maximum: low + int(0, 9) };
      }
      case 3:
        return { type: 'boolean' };
      case 4: {
        const count = int(2, 3);
        return { enum: [...new Set(Array.from({ length: count }, () => pick(words)))] };
      }
      default:
        return { type: 'null' };
    }
  };

  const value = (depth: number): Schema => {
    const roll = next();
    if (depth < 2 && roll < 0.15) return object(depth + 1);
    if (depth < 2 && roll < 0.3) return { type: 'array', items: leaf(), minItems: int(0, 1), maxItems: int(1, 2) };
    if (roll < 0.38) return { anyOf: [leaf(), { type: 'null' }] };
    return leaf();
  };

  const object = (depth: number): Schema => {
    const count = int(1, depth === 0 ? 2 : 1);
    const keys = [...new Set(Array.from({ length: count }, () => pick(names)))];
    const properties = Object.fromEntries(keys.map((key) => [key, value(depth)]));
    const required = keys.filter(() => next() < 0.7);
    return { type: 'object', properties, required, additionalProperties: false };
  };

  return object(0);
}
