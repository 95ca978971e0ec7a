// Runs inside a namespace for test/gateway-tap.test.ts: opens a tap and obeys JSON-line commands
// on stdin ({cmd: 'write', hex}, {cmd: 'close'}, {cmd: 'spawn-sleep'}), reporting on stdout.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openTap } from '../../gateway/tap.ts';

const [name, bridge = '', mtu = '0'] = process.argv.slice(2);
const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
try {
  const tap = openTap({ name, bridge, mtu: Number(mtu) });
  out({ event: 'open', name: tap.name });
  tap.onFrame((frame) => out({ event: 'frame', hex: Buffer.from(frame).toString('hex') }));
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = JSON.parse(line) as { cmd: string; hex?: string };
    if (command.cmd === 'write') {
      tap.send(Buffer.from(command.hex ?? '', 'hex'));
      out({ event: 'counters', counters: tap.counters });
    } else if (command.cmd === 'close') {
      tap.close();
      out({ event: 'closed', counters: tap.counters });
    } else if (command.cmd === 'spawn-sleep') {
      // A child that outlives us: with O_CLOEXEC it holds no tap descriptor.
      const sleeper = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
      sleeper.unref();
      out({ event: 'spawned', pid: sleeper.pid });
    }
  });
} catch (err) {
  out({ event: 'error', code: (err as { code?: string }).code, message: (err as Error).message });
  process.exit(1);
}
