// Starts bench/lan/relay-server.ts as a process of its own and reads the port it listens on, for
// paths whose relay clients are not in this process (the bench pages in Chromium).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const RELAY_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'relay-server.ts');
const START_WAIT_MS = 30_000;

/** A running relay: its WebSocket URL on 127.0.0.1, and how to end it. */
export interface RelayProcess {
  readonly url: string;
  close(): void;
}

export async function startRelayProcess(): Promise<RelayProcess> {
  const relay = spawn(process.execPath, ['--import', 'tsx', RELAY_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const close = () => {
    // The relay exits when its stdin closes; the kill covers a relay that is stuck.
    relay.stdin!.end();
    relay.kill();
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ERR_RELAY_START: no port line')), START_WAIT_MS);
      relay.once('exit', (code) => reject(new Error(`ERR_RELAY_START: exited with ${code}`)));
      createInterface({ input: relay.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return { url: `ws://127.0.0.1:${port}`, close };
  } catch (err) {
    close();
    throw err;
  }
}
