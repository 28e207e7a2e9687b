// Stop strings across token boundaries: text is released only once it cannot be the start of a
// stop string any more, so a stop string split over several tokens never leaks into the output.

export class StopMatcher {
  private pending = '';
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Adds text; returns what is safe to emit and whether a stop string was found (text before it only). */
  push(text: string): { emit: string; stopped: boolean } {
    if (this.stops.length === 0) return { emit: text, stopped: false };
    this.pending += text;
    let first = -1;
    for (const stop of this.stops) {
      const at = this.pending.indexOf(stop);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    if (first >= 0) {
      const emit = this.pending.slice(0, first);
      this.pending = '';
      return { emit, stopped: true };
    }
    // Hold back the longest suffix that is a prefix of some stop string.
    let hold = 0;
    const maxHold = Math.min(this.longest - 1, this.pending.length);
    for (let n = maxHold; n > 0; n--) {
      const suffix = this.pending.slice(this.pending.length - n);
      if (this.stops.some((s) => s.startsWith(suffix))) {
        hold = n;
        break;
      }
    }
    // Never split a UTF-16 surrogate pair.
    let cut = this.pending.length - hold;
    if (cut > 0 && cut < this.pending.length) {
      const code = this.pending.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    const emit = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    return { emit, stopped: false };
  }

  /** The held-back text at the end of generation (no stop string came). */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }
}
