/** The simulator's clock: real time plus an offset that tests move (TAP validity, token expiry, lag). */
export class SimClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  iso(at = this.now()): string {
    return new Date(at).toISOString();
  }

  /** Graph's innerError date has no milliseconds. */
  graphDate(): string {
    return this.iso().replace(/\.\d{3}Z$/, '');
  }

  setOffset(ms: number): void {
    this.offsetMs = ms;
  }

  offset(): number {
    return this.offsetMs;
  }
}
