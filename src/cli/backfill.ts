// `rfm backfill`: replays the orders topic into a namespace (its own consumer
// group, its own Redis keys, with --emit its own output topics), with a progress
// bar per partition; and `rfm backfill --promote <ns>`, which makes a backfilled
// namespace the live state. The procedure is in deploy/backfill.md.
import { type Command, Option } from 'commander';
import type { Config } from '../config/config.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../ops/logger.js';
import {
  type BackfillRequest,
  describeStart,
  type RunningBackfill,
  startBackfill,
} from '../stream/backfill.js';
import { type PromotionResult, promote } from '../stream/promote.js';
import { createBackfillProgress } from './backfill-progress.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  {
    flags: '--segment-changes-topic <name>',
    path: 'topics.segmentChanges',
    description: 'segment-change topic; a backfill writes <namespace>.<name>',
  },
  {
    flags: '--churn-risk-topic <name>',
    path: 'topics.churnRisk',
    description: 'churn-risk topic; a backfill writes <namespace>.<name>',
  },
  {
    flags: '--dlq-topic <name>',
    path: 'topics.dlq',
    description: 'dead-letter topic; a backfill writes <namespace>.<name>',
  },
  {
    flags: '--group <id>',
    path: 'groupId',
    description: "the live processor's consumer group; a backfill's is <id>.backfill.<namespace>",
  },
  { flags: '--window <days>', path: 'windowDays', description: "rolling window of F and M, e.g. '365d'" },
  {
    flags: '--thresholds-cadence <days>',
    path: 'thresholdsCadenceDays',
    description: "event-time days between population thresholds versions, e.g. '1d'",
  },
  {
    flags: '--allowed-lateness <days>',
    path: 'allowedLatenessDays',
    description: 'how far before its partition clock an order still counts',
  },
  { flags: '--currency <code>', path: 'reportingCurrency', description: 'ISO-4217 reporting currency' },
  { flags: '--exchange-rates <list>', path: 'exchangeRates', description: "e.g. 'EUR=1.08,GBP=1.27'" },
  {
    flags: '--max-amount <minor>',
    path: 'maxAmountMinor',
    description: 'largest accepted amount, minor units',
  },
  {
    flags: '--max-future <duration>',
    path: 'maxFutureSkewMs',
    description: 'largest accepted lead of event time over wall clock',
  },
];

interface BackfillFlags {
  fromBeginning?: boolean;
  from?: string;
  emit: boolean;
  untilCaughtUp?: boolean;
  promote?: string;
  wait: string;
}

export function registerBackfill(program: Command): void {
  const command = program
    .command('backfill')
    .description(
      'Replay the orders topic into the namespace given by --namespace: its own consumer group ' +
        '(<group>.backfill.<namespace>) and Redis keys, and with --emit its own output topics ' +
        '(<namespace>.<topic>). Shows a bar per partition on stderr. Ctrl-C stops it after the batch ' +
        'in hand; the same command resumes it. With --promote <ns>, make a backfilled namespace the ' +
        'live state of the processor whose namespace is --namespace (see deploy/backfill.md).',
    )
    .addOption(
      new Option('--from-beginning', 'start at the first record of the topic (the default)').conflicts(
        'from',
      ),
    )
    .option(
      '--from <time>',
      'start at the first record the broker received at or after <time>: ISO-8601 (2024-05-01, ' +
        '2024-05-01T12:00Z) or epoch milliseconds',
    )
    .option('--emit', 'write segment changes, churn risk and dead letters to <namespace>.<topic>', false)
    .option('--no-emit', 'build the state only (the default)')
    .option('--until-caught-up', 'exit once every record the topic holds is processed (else follow it)')
    .addOption(
      new Option('--promote <namespace>', 'make a backfilled namespace the live state').conflicts([
        'from',
        'fromBeginning',
        'untilCaughtUp',
      ]),
    )
    .option('--wait <duration>', 'with --promote: how long to wait for the running processor to move', '60s');
  addConfigFlags(command, FLAGS).action(async (flags: BackfillFlags, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const logger = createLogger(config);
    if (flags.promote !== undefined) {
      const waitMs = parseDuration(flags.wait);
      if (waitMs === undefined) throw new ConfigError(`--wait ${JSON.stringify(flags.wait)}: e.g. 30s, 2m`);
      console.log(formatPromotion(config, await promote(config, flags.promote, { waitMs }, logger)));
      return;
    }
    const request: BackfillRequest = {
      emit: flags.emit,
      ...(flags.from !== undefined ? { from: parseTime(flags.from) } : {}),
      ...(flags.fromBeginning ? { from: 'beginning' as const } : {}),
    };
    process.exitCode = await runBackfill(config, request, flags.untilCaughtUp === true, logger);
  });
}

/** Runs a backfill to the end of the topic or to Ctrl-C, with progress and a summary. Returns the exit code. */
async function runBackfill(
  config: Readonly<Config>,
  request: BackfillRequest,
  untilCaughtUp: boolean,
  logger: Logger,
): Promise<number> {
  const started = performance.now();
  const backfill = await startBackfill(config, request, logger);
  const before = await backfill.progress();
  const view = createBackfillProgress({ interactive: process.stderr.isTTY === true, logger });
  const refresh = async () => view.update(await backfill.progress());
  await refresh();
  const ticker = setInterval(() => {
    refresh().catch((error: unknown) => logger.warn({ err: error }, 'progress unavailable'));
  }, 500);

  let interrupted = false;
  let failure: unknown = null;
  await new Promise<void>((resolve) => {
    const onSignal = () => {
      interrupted = true;
      // A second Ctrl-C does not wait for the batch in hand.
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (untilCaughtUp) {
      backfill.processor.idle().then(resolve, (error: unknown) => {
        // After Ctrl-C the stop ends the wait with an error of its own.
        if (!interrupted) failure = error;
        resolve();
      });
    }
  });
  clearInterval(ticker);
  await refresh().catch(() => undefined);
  view.stop();
  await backfill.stop();
  if (failure) {
    await backfill.close();
    throw failure;
  }
  const after = await backfill.progress();
  const report = await backfill.report();
  await backfill.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(formatSummary({ config, backfill, request, before, after, report, seconds, interrupted }));
  return interrupted ? 130 : 0;
}

function formatSummary(run: {
  config: Readonly<Config>;
  backfill: RunningBackfill;
  request: BackfillRequest;
  before: Awaited<ReturnType<RunningBackfill['progress']>>;
  after: Awaited<ReturnType<RunningBackfill['progress']>>;
  report: Awaited<ReturnType<RunningBackfill['report']>>;
  seconds: number;
  interrupted: boolean;
}): string {
  const { config, backfill, after, report } = run;
  const n = (value: number) => value.toLocaleString('en-US');
  const total = (rows: typeof after, f: (p: (typeof after)[number]) => number) =>
    rows.reduce((sum, p) => sum + f(p), 0);
  const processedNow = total(after, (p) => p.position) - total(run.before, (p) => p.position);
  const done = total(after, (p) => p.position - p.origin);
  const all = total(after, (p) => p.end - p.origin);
  const { stats } = backfill.processor;
  const outputs = run.request.emit
    ? `${n(stats.changes)} changes to ${backfill.topics.segmentChanges} and ${backfill.topics.churnRisk}, ` +
      `${n(stats.deadLetters)} dead letters to ${backfill.topics.dlq}`
    : `not emitted (--no-emit): ${n(stats.changes)} changes, ${n(stats.deadLetters)} records for the DLQ`;
  const lines = [
    `Backfill of ${config.topics.orders} into namespace ${config.namespace}: ${
      run.interrupted ? 'interrupted' : done >= all ? 'caught up' : 'stopped'
    }`,
    `  group       ${backfill.group}, ${describeStart(backfill.record.from)}${backfill.resumed ? ', resumed' : ''}`,
    `  records     ${n(processedNow)} in this run; ${n(done)} of ${n(all)} in all`,
    ...after.map(
      (p) =>
        `              partition ${p.partition}: ${n(p.position - p.origin)}/${n(p.end - p.origin)} (offset ${p.position})`,
    ),
    `  outputs     ${outputs}`,
    `  state       ${n(report.customers)} customers, ${n(report.population)} with a purchase in the window, ` +
      `as of ${report.asOf ?? '-'}, thresholds ${report.thresholdsVersion ?? '-'}`,
    `  duration    ${run.seconds.toFixed(1)} s, ${n(Math.round(processedNow / Math.max(run.seconds, 0.001)))} records/s`,
  ];
  if (run.interrupted || done < all) lines.push('  resume with the same command');
  lines.push(`  make it live: rfm backfill --promote ${config.namespace}`);
  return lines.join('\n');
}

function formatPromotion(config: Readonly<Config>, result: PromotionResult): string {
  const { promotion } = result;
  const offsets = promotion.offsets.map((o) => `${o.partition}:${o.offset}`).join(' ');
  const head = `Promoted ${promotion.namespace} to the live state of ${config.namespace} (was ${result.previous}); it stands at offsets ${offsets} of ${promotion.topic}`;
  const outcome = {
    switched: `The running processor (group ${config.groupId}) has moved to ${promotion.namespace}.`,
    'at-start': `No processor of group ${config.groupId} runs: \`rfm run\` moves to ${promotion.namespace} when it starts.`,
    pending: `The running processor (group ${config.groupId}) moves to ${promotion.namespace} once it has processed up to those offsets; it had not yet.`,
  }[result.outcome];
  return `${head}\n${outcome}`;
}

function parseTime(text: string): number {
  const time = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(time)) {
    throw new ConfigError(
      `--from ${JSON.stringify(text)}: give an ISO-8601 time (2024-05-01, 2024-05-01T12:00Z) or epoch milliseconds`,
    );
  }
  return time;
}
