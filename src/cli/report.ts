// `rfm report`: how many customers each segment of each model holds.
import type { Command } from 'commander';
import { MODELS } from '../domain/segments.js';
import { createLogger } from '../ops/logger.js';
import { type PopulationReport, populationReport } from '../state/views.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';
import { openStateScope } from './state-scope.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
];

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description('Show the segment populations of every model')
    .option('--json', 'print JSON instead of a table');
  addConfigFlags(command, FLAGS).action(async (options: { json?: boolean }, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const scope = await openStateScope(config, createLogger(config));
    try {
      const report = await populationReport(scope);
      console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
    } finally {
      scope.close();
    }
  });
}

export function formatReport(report: PopulationReport): string {
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
  return lines.join('\n');
}
