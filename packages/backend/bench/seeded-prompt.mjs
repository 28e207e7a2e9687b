// The benches' prompt: BOS then seeded pseudo-random ids (3 .. vocab-1), the same sequence on every
// side and run, so ours, llama.cpp and mlx-lm read identical tokens.
export function promptIds(vocab, length, seed = 7) {
  let state = seed >>> 0;
  const ids = [2];
  while (ids.length < length) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids.push(3 + (state % (vocab - 3)));
  }
  return ids;
}
