// npm run bench:boot — boot-to-prompt time per link kind (median of N fresh boots) and the time
// from a saved state to a shell that answers, in v86 under Node. Prints and records the figures.
import { performance } from 'node:perf_hooks';
import type { LinkKind } from '../src/vm/types.ts';
import { bootGuest, ConsoleReader, loadTemplate } from '../test/support/guest.ts';
import { median, recordResults } from './lib/results.ts';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const LINKS: LinkKind[] = ['tty', 'nic'];

async function timeBoot(link: LinkKind): Promise<number> {
  const t0 = performance.now();
  const vm = await bootGuest(link);
  await vm.waitForPrompt();
  const ms = performance.now() - t0;
  await vm.destroy();
  return ms;
}

async function timeRestores(link: LinkKind): Promise<number[]> {
  const vm = await bootGuest(link);
  await vm.waitForPrompt();
  // Let init settle (udhcpc started) so the snapshot is of a machine at rest at its prompt.
  const con = new ConsoleReader(vm);
  await con.run('sleep 1');
  const state = await vm.saveState();
  await vm.destroy();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const restored = await bootGuest(link, { snapshot: { kind: 'resume', state } });
    const rc = new ConsoleReader(restored);
    await rc.run('echo alive');
    times.push(performance.now() - t0);
    await restored.destroy();
  }
  return times;
}

async function timeTemplate(link: LinkKind): Promise<number> {
  const state = loadTemplate();
  if (!state) throw new Error('no template snapshot in public/images (run npm run guest)');
  const t0 = performance.now();
  const vm = await bootGuest(link, { snapshot: { kind: 'template', state } });
  await vm.waitForPrompt();
  const ms = performance.now() - t0;
  await vm.destroy();
  return ms;
}

const figures: Record<string, unknown> = { runs: RUNS };
const rows: string[] = [];
for (const link of LINKS) {
  const boots: number[] = [];
  for (let i = 0; i < RUNS; i++) boots.push(await timeBoot(link));
  const restores = await timeRestores(link);
  const templates: number[] = [];
  for (let i = 0; i < RUNS; i++) templates.push(await timeTemplate(link));
  figures[link] = {
    bootMs: boots.map(Math.round),
    bootMedianMs: Math.round(median(boots)),
    templateToPromptMs: templates.map(Math.round),
    templateMedianMs: Math.round(median(templates)),
    restoreMs: restores.map(Math.round),
    restoreMedianMs: Math.round(median(restores)),
  };
  rows.push(`${link.padEnd(5)} boot to prompt median ${Math.round(median(boots))} ms  [${boots.map(Math.round).join(', ')}]`);
  rows.push(`${link.padEnd(5)} template to prompt median ${Math.round(median(templates))} ms  [${templates.map(Math.round).join(', ')}]`);
  rows.push(`${link.padEnd(5)} restore to shell median ${Math.round(median(restores))} ms  [${restores.map(Math.round).join(', ')}]`);
}
console.log(`bench:boot (v86 ${'0.5.462'} under Node ${process.version}, ${RUNS} runs each)`);
for (const r of rows) console.log('  ' + r);
console.log('recorded', recordResults('boot', figures));
process.exit(0);
