// What the bench page puts on `window` for Playwright (bench/lan/page-paths.ts), and its query.
//
//   ?mode=direct&link=tty|nic&mtu=N                          two guests in this page, wired on its main thread
//   ?mode=relay&relay=ws://…&index=0|1&link=tty|nic&mtu=N    one guest, its frames over a WebSocket relay

/** The page's guests, once booted. */
export interface LanBenchApi {
  /** Resolves when every guest of the page is at its prompt with its lease (and the relay is open). */
  readonly ready: Promise<void>;
  /** Types `command` on guest `guest`'s console; resolves with what it printed. */
  run(guest: number, command: string, timeoutMs: number): Promise<string>;
  /** The guest's leased address (after `ready`). */
  ip(guest: number): string;
  /** Frames not sent to the relay, by reason (relay mode; empty in direct mode). */
  dropped(): Record<string, number>;
}

declare global {
  interface Window {
    lanBench?: LanBenchApi;
  }
}
