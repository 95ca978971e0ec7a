// Console bytes that arrive before the terminal attaches (or while it is re-attaching) are kept,
// up to a cap, and replayed to the terminal when it attaches.

/** The most console bytes kept for a terminal that has not attached yet. */
export const MAX_BACKLOG_BYTES = 256 * 1024;

/** A fan-out of console bytes that remembers recent bytes while no sink listens. */
export class ConsoleBacklog {
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private readonly sinks = new Set<(bytes: Uint8Array) => void>();
  /** Bytes dropped because the backlog was full. */
  droppedBytes = 0;

  constructor(private readonly maxBytes = MAX_BACKLOG_BYTES) {}

  /** Delivers bytes to every sink, or keeps them if there is none. */
  push(bytes: Uint8Array): void {
    if (this.sinks.size > 0) {
      for (const sink of this.sinks) sink(bytes);
      return;
    }
    this.chunks.push(bytes);
    this.bytes += bytes.byteLength;
    // Keep the newest bytes: the end of the boot log and the prompt matter most.
    while (this.bytes > this.maxBytes && this.chunks.length > 0) {
      const first = this.chunks[0];
      const excess = this.bytes - this.maxBytes;
      if (first.byteLength <= excess) {
        this.chunks.shift();
        this.bytes -= first.byteLength;
        this.droppedBytes += first.byteLength;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
        this.droppedBytes += excess;
      }
    }
  }

  /** Adds a sink, replays the kept bytes to it first, and returns the function that removes it. */
  attach(sink: (bytes: Uint8Array) => void): () => void {
    for (const chunk of this.chunks) sink(chunk);
    this.chunks = [];
    this.bytes = 0;
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Forgets the kept bytes (a reset starts a fresh screen). */
  clear(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}
