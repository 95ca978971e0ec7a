// Reconnect delays: exponential, capped, with jitter so a server restart is not met by every
// client at the same instant.

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Largest delay. */
  readonly maxMs: number;
  /** Growth per attempt. */
  readonly factor: number;
  /** Fraction (0 to 1) of the delay that is randomly taken off. */
  readonly jitter: number;
}

/** Defaults: 0.5 s, 1 s, 2 s ... up to 15 s, each shortened by up to half at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 };

/** The delay before retry number `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  return Math.round(base * (1 - options.jitter * random()));
}
