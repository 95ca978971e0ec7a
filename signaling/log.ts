// One JSON line per event. Room ids are secrets (whoever has one can join), so logs carry a
// short hash of the room id, never the id itself.
import { createHash } from 'node:crypto';

/** Receives one finished log line (no trailing newline). */
export type LogSink = (line: string) => void;

/** Writes one structured event; a no-op when logging is off. */
export type Logger = (event: string, fields?: Record<string, unknown>) => void;

/** Returns a logger writing JSON lines to stdout (`true`/undefined), to `sink`, or nowhere (`false`). */
export function createLogger(option: boolean | LogSink | undefined): Logger {
  if (option === false) return () => {};
  const sink: LogSink = typeof option === 'function' ? option : (line) => process.stdout.write(line + '\n');
  return (event, fields = {}) => sink(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
}

/** A stable 12-hex-digit tag for a room id, safe to log. */
export function roomTag(roomId: string): string {
  return createHash('sha256').update(roomId).digest('hex').slice(0, 12);
}
