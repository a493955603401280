// `rfm report`: how many customers each segment of each model holds, the churn
// rate of each month and the retention of each first-purchase cohort.
import type { Command } from 'commander';
import { MODELS } from '../domain/segments.js';
import { createLogger } from '../ops/logger.js';
import { type PopulationKpis, populationKpis } from '../state/kpi-view.js';
import { type PopulationReport, populationReport } from '../state/views.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';
import { openStateScope } from './state-scope.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  {
    flags: '--churn-after <days>',
    path: 'churnAfterDays',
    description:
      "days without a purchase that make a customer lapsed in the churn rate, e.g. '90d' (as the processor ran)",
  },
];

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description(
      'Show the segment populations of every model, the churn rate of each complete month, ' +
        'and the day-2/7/14/30 retention of each first-purchase cohort',
    )
    .option('--json', 'print JSON instead of a table');
  addConfigFlags(command, FLAGS).action(async (options: { json?: boolean }, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const scope = await openStateScope(config, createLogger(config));
    try {
      const report = { ...(await populationReport(scope)), kpis: await populationKpis(scope) };
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    } finally {
      scope.close();
    }
  });
}

export function formatReport(report: PopulationReport & { kpis: PopulationKpis }): string {
  const lines = [
    `as of ${report.asOf ?? '-'}, thresholds ${report.thresholdsVersion ?? '-'}`,
    `${report.customers} customers, ${report.population} with a purchase in the window`,
  ];
  for (const model of MODELS) {
    lines.push('', model);
    const entries = Object.entries(report.segments[model]);
    const width = Math.max(...entries.map(([s]) => s.length));
    for (const [segment, n] of entries) {
      const share = report.customers > 0 ? ((100 * n) / report.customers).toFixed(1) : '0.0';
      lines.push(`  ${segment.padEnd(width)}  ${String(n).padStart(9)}  ${share.padStart(5)}%`);
    }
  }
  return [...lines, ...formatKpis(report.kpis)].join('\n');
}

function formatKpis(kpis: PopulationKpis): string[] {
  const percent = (ratio: number) => `${(100 * ratio).toFixed(1)}%`.padStart(7);
  const lines = [
    '',
    `churn rate per month (lapsed after ${kpis.churnAfterDays ?? '-'} days without a purchase)`,
  ];
  if (kpis.churnAfterDays === null) lines.push('  off: the window is too short for RFM_CHURN_AFTER');
  else if (kpis.churn.length === 0) lines.push('  no complete month yet');
  for (const m of kpis.churn) {
    lines.push(
      `  ${m.month}  ${String(m.churned).padStart(9)} of ${String(m.active).padStart(9)} active  ${m.rate === null ? '      -' : percent(m.rate)}`,
    );
  }
  lines.push('', 'retention of first-purchase cohorts (bought again within N days; * not final yet)');
  if (kpis.retention.length === 0) lines.push('  no cohort yet');
  else
    lines.push(
      `  cohort   customers  ${kpis.retention[0]?.retained.map((r) => `day ${r.days}`.padStart(8)).join('')}`,
    );
  for (const c of kpis.retention) {
    const cells = c.retained.map((r) => `${percent(r.ratio)}${r.final ? ' ' : '*'}`).join('');
    lines.push(`  ${c.cohort}  ${String(c.customers).padStart(9)}  ${cells}`);
  }
  return lines;
}
