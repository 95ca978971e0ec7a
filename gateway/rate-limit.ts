// Per-peer frame rate limit at the gateway (off unless configured): a token bucket per peer, so
// one busy guest cannot take the whole uplink. Over the limit means drop and count, never queue.

/** Burst allowed on top of the sustained rate when none is given: a quarter second's worth. */
export const DEFAULT_BURST_SECONDS = 0.25;

/** Options of a rate limiter; `now` (milliseconds) is injected so tests need no timers. */
export interface RateLimitOptions {
  /** Sustained frames per second per peer; must be positive. */
  readonly framesPerSecond: number;
  /** Bucket size in frames; default framesPerSecond * DEFAULT_BURST_SECONDS (at least 1). */
  readonly burstFrames?: number;
  readonly now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by peer id. */
export class PeerRateLimiter {
  /** Frames refused, over all peers. */
  limited = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions) {
    if (!(options.framesPerSecond > 0) || !Number.isFinite(options.framesPerSecond)) {
      throw Object.assign(new RangeError(`framesPerSecond must be a positive number, got ${options.framesPerSecond}`), { code: 'ERR_BAD_RATE' });
    }
    const burst = options.burstFrames ?? Math.max(1, Math.floor(options.framesPerSecond * DEFAULT_BURST_SECONDS));
    if (!(burst >= 1) || !Number.isFinite(burst)) {
      throw Object.assign(new RangeError(`burstFrames must be at least 1, got ${burst}`), { code: 'ERR_BAD_RATE' });
    }
    this.rate = options.framesPerSecond / 1000;
    this.burst = burst;
    this.now = options.now ?? (() => Date.now());
  }

  /** Takes one token for `peerId`: true to pass the frame, false when over the limit (counted). */
  allow(peerId: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(peerId);
    if (!bucket) this.buckets.set(peerId, (bucket = { tokens: this.burst, at: now }));
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, now - bucket.at) * this.rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.limited++;
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets a peer's bucket (it left). */
  remove(peerId: string): void {
    this.buckets.delete(peerId);
  }
}
