// The bench page of bench:lan's in-Chromium baselines: the app's worker-backed guests without the
// app, their frames carried by the path named in the query (see api.ts):
//
//   direct: guest A worker ─> this page's main thread ─> guest B worker    (one page, two workers)
//   relay:  guest worker ─> main thread ─> WebSocket ─> Node relay ─> other page ─> its guest worker
//
// Together with bench:lan's `pages` path (the app, WebRTC) they split the cost of a path in
// Chromium into the emulator and worker hop (direct), a plain socket (relay) and WebRTC.
import type { LanBenchApi } from './api.ts';
import { type PageGuest, startGuest, withLocalDhcp } from './guest.ts';
import { openRelay, type RelayLink } from './relay-link.ts';

const query = new URLSearchParams(location.search);
const mode = query.get('mode');
const link = query.get('link') === 'nic' ? 'nic' : 'tty';
const mtu = Number(query.get('mtu') ?? 1500);

function api(guests: PageGuest[], ready: Promise<unknown>, relay: RelayLink | null): LanBenchApi {
  const guest = (i: number) => {
    const g = guests[i];
    if (!g) throw new Error(`ERR_NO_GUEST: this page has guests 0..${guests.length - 1}, not ${i}`);
    return g;
  };
  return {
    ready: ready.then(() => undefined),
    run: (i, command, timeoutMs) => guest(i).console.run(command, timeoutMs),
    ip: (i) => guest(i).ip,
    dropped: () => ({ ...(relay?.dropped ?? {}) }),
  };
}

function direct(): LanBenchApi {
  const guests = [startGuest(0, link, mtu), startGuest(1, link, mtu)];
  // A frame event arrives on its own task already, so handing it on at once cannot land inside
  // the sending emulator's tick (directPair in Node defers with setImmediate for that reason).
  withLocalDhcp(guests[0], 0, mtu, (f) => guests[1].port.send(f));
  withLocalDhcp(guests[1], 1, mtu, (f) => guests[0].port.send(f));
  return api(guests, Promise.all(guests.map((g) => g.ready)), null);
}

function relayed(): LanBenchApi {
  const index = query.get('index') === '1' ? 1 : 0;
  const url = query.get('relay');
  if (!url) throw new Error('ERR_NO_RELAY: relay mode needs ?relay=ws://…');
  const g = startGuest(index, link, mtu);
  const relay = openRelay(url, g.port);
  withLocalDhcp(g, index, mtu, (f) => relay.send(f));
  return api([g], Promise.all([relay.opened, g.ready]), relay);
}

if (mode === 'direct') window.lanBench = direct();
else if (mode === 'relay') window.lanBench = relayed();
else throw new Error(`ERR_BAD_MODE: ?mode=direct or ?mode=relay, not ${mode}`);
