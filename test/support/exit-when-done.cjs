// Loaded by `npm test` (uvu -r): ends the process once uvu has reported its totals.
// node-datachannel's native threads (used by the WebRTC tests in Node) keep the event loop alive
// after every peer connection is closed, so without this the run would never exit. uvu sets
// process.exitCode once, right after its summary; we then exit with that code. (If anything set
// it earlier, uvu's own exit handler would report "Exiting early before testing is finished.")
'use strict';
const POLL_MS = 250;
const timer = setInterval(() => {
  if (process.exitCode === undefined) return;
  clearInterval(timer);
  // Let stdout drain the summary first.
  setTimeout(() => process.exit(), POLL_MS);
}, POLL_MS);
// Never the thing that keeps a finished run alive.
timer.unref();
