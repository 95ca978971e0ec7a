// A token bucket per connection: `burst` tokens, refilled at `perSecond`. Two numbers per
// connection, no timers, so it costs nothing at 10k connections.

/** A token bucket; `take()` is false once the sender is over its rate. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Spends one token; returns false (and spends nothing) when none is left. */
  take(): boolean {
    const t = this.now();
    const elapsedMs = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
