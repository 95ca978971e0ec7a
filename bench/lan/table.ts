// bench:lan's table: one line per configuration (the median of its runs), with throughput as a
// share of the direct wiring of the same link in the same runtime: Node paths against `direct`,
// Chromium paths against `page-direct` (two emulators wired in one page). In markdown for the README.
import type { LanRow } from '../lan.ts';
import { median } from '../lib/results.ts';

const mid = (xs: number[]) => (xs.length ? median(xs) : null);
/** The direct wiring a path is measured against: the one in the same runtime. */
const baselineOf = (path: LanRow['path']) => (path.startsWith('page') ? 'page-direct' : 'direct');
const fmt = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? '-' : x.toFixed(digits));

/** The spread of a configuration's runs, `min-max` (or the one value). */
function rangeOf(xs: number[]): string {
  if (!xs.length) return '-';
  const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
  return lo === hi ? lo.toFixed(2) : `${lo.toFixed(2)}-${hi.toFixed(2)}`;
}

/** Prints the rows as a markdown table and returns it. */
export function printTable(rows: readonly LanRow[]): string {
  const groups = new Map<string, LanRow[]>();
  for (const r of rows) {
    const key = `${r.link}|${r.path}|${r.mode ?? ''}|${r.lossPercent}|${r.lossKind}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const direct = new Map<string, number>();
  const summary = [...groups.values()].map((g) => {
    // A timed-out transfer still has a rate (bytes within the bound); the note says so.
    const mibps = mid(g.flatMap((r) => (r.transfer?.mibPerSecond == null ? [] : [r.transfer.mibPerSecond])));
    const failures = g.filter((r) => r.transfer?.outcome !== 'ok').map((r) => r.error ? 'error' : r.transfer?.outcome ?? 'error');
    if ((g[0].path === 'direct' || g[0].path === 'page-direct') && mibps !== null) direct.set(`${g[0].link}|${g[0].path}`, mibps);
    return {
      r: g[0],
      medianMs: mid(g.flatMap((r) => (r.ping?.medianMs == null ? [] : [r.ping.medianMs]))),
      p99Ms: mid(g.flatMap((r) => (r.ping?.p99Ms == null ? [] : [r.ping.p99Ms]))),
      lost: mid(g.flatMap((r) => (r.ping ? [r.ping.lossPercent] : []))),
      mibps,
      range: rangeOf(g.flatMap((r) => (r.transfer?.mibPerSecond == null ? [] : [r.transfer.mibPerSecond]))),
      note: failures.length ? `${failures.length}/${g.length} ${[...new Set(failures)].join(',')}` : '',
    };
  });
  const lines = [
    '| link | path | channel | loss | ping median ms | ping p99 ms | ping lost | wget 4 MiB, MiB/s | runs, MiB/s | vs direct |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of summary) {
    const d = direct.get(`${s.r.link}|${baselineOf(s.r.path)}`);
    const share = s.mibps !== null && d ? `${Math.round((100 * s.mibps) / d)}%` : '-';
    lines.push(
      `| ${s.r.link} | ${s.r.path} | ${s.r.mode ?? '-'} | ${s.r.lossPercent ? `${s.r.lossPercent}% ${s.r.lossKind}` : '0'} | ${fmt(s.medianMs, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.lost, 0)}% | ${fmt(s.mibps, 2)}${s.note ? ` (${s.note})` : ''} | ${s.range} | ${share} |`,
    );
  }
  const table = lines.join('\n');
  console.log('\n' + table + '\n');
  return table;
}
