// Small network client and server for namespace tests, one JSON line of result on stdout:
//   serve <ip> <port> <body>    HTTP server answering `<body> from <client address>`; prints {listening}
//   fetch <url>                 prints {status, body} or {error}
//   resolve <name> <server>     prints {addresses} or {error} (A records through that server only)
//   udp <ip> <port>             sends one datagram; prints {sent}
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { createServer } from 'node:http';

const FETCH_TIMEOUT_MS = 3000;
const [command, a = '', b = '', c = ''] = process.argv.slice(2);
const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
const fail = (err: unknown) => {
  // Node's errors carry a string code (ECONNREFUSED); an aborted fetch is a DOMException by name.
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: string };
  const code = [e.cause?.code, e.code].find((x) => typeof x === 'string');
  out({ error: code ?? e.name ?? String(err) });
};

if (command === 'serve') {
  const server = createServer((req, res) => {
    res.end(`${c} from ${req.socket.remoteAddress}`);
    out({ request: req.url, from: req.socket.remoteAddress });
  });
  server.listen(Number(b), a, () => out({ listening: true }));
} else if (command === 'fetch') {
  fetch(a, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) })
    .then(async (res) => out({ status: res.status, body: await res.text() }))
    .catch(fail);
} else if (command === 'resolve') {
  const resolver = new Resolver({ timeout: 1000, tries: 2 });
  resolver.setServers([b]);
  resolver.resolve4(a).then((addresses) => out({ addresses }), fail);
} else if (command === 'udp') {
  const socket = createSocket('udp4');
  socket.send(Buffer.from('peerlinux'), Number(b), a, (err) => {
    if (err) fail(err);
    else out({ sent: true });
    socket.close();
  });
} else {
  out({ error: `unknown command ${command}` });
  process.exitCode = 2;
}
