// Prints the fault suite's results table (markdown) from the rows the scenarios
// wrote, and keeps it beside them as results.md.
// Usage: node print-results.mjs RESULTS_DIR [SUITE_SECONDS]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, suiteSeconds] = process.argv.slice(2);
const file = join(dir, 'results.jsonl');
if (!existsSync(file)) {
  console.log('[faults] no results were recorded');
  process.exit(0);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .sort((a, b) => a.order - b.order);

const seconds = (s) => `${s.toFixed(1)} s`;
const recovery = (list) => {
  if (list.length === 0) return 'n/a';
  const sorted = [...list].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return list.length === 1
    ? seconds(list[0])
    : `median ${seconds(median)}, max ${seconds(sorted.at(-1))} (${list.length})`;
};
const lines = [
  '| fault | runs | events | lost | double-counted | time to recover | wall time | notes |',
  '|---|---:|---:|---:|---:|---|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.fault}${r.redis === 'cluster' ? ' †' : ''} | ${r.runs} | ${r.events.toLocaleString('en')} | ${r.lost} | ${r.doubleCounted} | ${recovery(r.recoverySeconds)} | ${seconds(r.seconds)} | ${r.notes ?? ''} |`,
  ),
];
if (rows.some((r) => r.redis === 'cluster'))
  lines.push('', '† On a Redis Cluster of 3 masters (RFM_FAULT_REDIS=cluster).');
if (suiteSeconds) lines.push('', `Whole suite: ${(Number(suiteSeconds) / 60).toFixed(1)} min.`);
const table = lines.join('\n');
writeFileSync(join(dir, 'results.md'), `${table}\n`);
console.log(`\n${table}\n\n(${join(dir, 'results.md')})`);
