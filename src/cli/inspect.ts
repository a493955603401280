// `rfm inspect <customerId>`: one customer's state, numbers, scores and segments.
import type { Command } from 'commander';
import { MODELS } from '../domain/segments.js';
import { createLogger } from '../ops/logger.js';
import { type CustomerView, customerView } from '../state/views.js';
import { addConfigFlags, type ConfigFlag, commandConfig, VALUE_FLAGS } from './options.js';
import { openStateScope } from './state-scope.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  { flags: '--window <days>', path: 'windowDays', description: "rolling window of F and M, e.g. '365d'" },
  ...VALUE_FLAGS,
];

export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .argument('<customerId>', 'the customer id, as in the order events')
    .description(
      "Show one customer's current state: R, F, M, trend windows, scores, every model's segment, churn risk, " +
        'and P(alive), expected transactions and predicted CLV once `rfm fit` has stored a value model',
    )
    .option('--json', 'print JSON instead of a table');
  addConfigFlags(command, FLAGS).action(
    async (customerId: string, options: { json?: boolean }, self: Command) => {
      const config = commandConfig(self, FLAGS);
      const scope = await openStateScope(config, createLogger(config));
      try {
        const view = await customerView(scope, customerId);
        if (!view) {
          console.error(`no customer '${customerId}' in namespace ${config.namespace}`);
          process.exitCode = 3;
          return;
        }
        console.log(options.json ? JSON.stringify(view, null, 2) : formatCustomer(view));
      } finally {
        scope.close();
      }
    },
  );
}

export function formatCustomer(view: CustomerView): string {
  const money = (minor: number) => (minor / 100).toFixed(2);
  const { facts } = view;
  const rows: [string, string][] = [
    ['customer', view.customerId],
    ['as of', view.asOf ?? '-'],
    ['thresholds version', view.thresholdsVersion ?? '-'],
    ['recency (days)', facts.r === null ? '-' : String(facts.r)],
    ['frequency (window)', String(facts.f)],
    ['monetary (window)', money(facts.m)],
    ['lifetime transactions', String(facts.lifetimeTransactions)],
    ['lifetime spend', money(facts.lifetimeSpend)],
    ['last 90 days', `${facts.recent90Count} tx, ${money(facts.recent90Spend)}`],
    ['90 days before', `${facts.prior90Count} tx, ${money(facts.prior90Spend)}`],
    ['scores R/F/M', view.scores ? `${view.scores.r}/${view.scores.f}/${view.scores.m}` : '-'],
    ...MODELS.map((model): [string, string] => [`segment ${model}`, view.segments?.[model] ?? '-']),
    ['churn risk', view.churnRisk ? [view.churnRisk.level, ...view.churnRisk.reasons].join(' ') : '-'],
    ...valueRows(view),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));

  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

function valueRows(view: CustomerView): [string, string][] {
  const { value } = view;
  if (!value) return [['value model', 'none fitted (rfm fit)']];
  return [
    ['value model', value.modelVersion],
    ['P(alive)', value.pAlive.toFixed(4)],
    [`expected tx (${value.horizonDays}d)`, value.expectedTransactions.toFixed(3)],
    [`predicted CLV (${value.horizonDays}d)`, (value.predictedClv / 100).toFixed(2)],
  ];
}
