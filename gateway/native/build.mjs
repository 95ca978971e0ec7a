// Builds the gateway's tap addon with the node-gyp bundled in npm, at `npm ci` / `npm install`.
// Linux only: elsewhere it says so and succeeds, so a laptop's install never fails; on Linux a
// failed build fails the install, loudly. Nothing is downloaded: npm's `nodedir` points node-gyp
// at the headers installed with Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

if (process.platform !== 'linux') {
  console.log(`peerlinux: skipping the gateway's tap addon on ${process.platform} (the gateway runs on Linux only)`);
  process.exit(0);
}

// npm passes its own node-gyp to scripts; outside npm, find the copy bundled with npm.
function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const npmCli = process.env.npm_execpath;
  const candidates = [];
  if (npmCli) candidates.push(join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    const require = createRequire(import.meta.url);
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package: fine, the bundled copy is the normal case
  }
  return candidates.find((c) => existsSync(c));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.error('peerlinux: ERROR: node-gyp not found (it ships with npm); cannot build gateway/native/tap.node');
  process.exit(1);
}
const args = [nodeGyp, 'rebuild', '--directory', HERE];
// Build against the installed headers, never a download: npm sets npm_config_nodedir from its
// config; outside npm, use the prefix Node itself was installed under.
const nodedir = process.env.npm_config_nodedir || join(dirname(process.execPath), '..');
if (existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`);
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('peerlinux: ERROR: building the gateway tap addon (gateway/native) failed; see the output above.');
  console.error('peerlinux: it needs gcc, make, python3 and Node headers (Debian: build-essential, python3, nodejs headers).');
  process.exit(result.status ?? 1);
}
