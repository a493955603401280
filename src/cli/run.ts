// `rfm run`: the processor and its HTTP port (metrics, health, customers). Runs
// until SIGTERM or SIGINT, or with --exit-when-idle, until everything the input
// topic holds is processed; exits non-zero when processing fails for good.
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { RfmError } from '../errors.js';
import { Health } from '../ops/health.js';
import { startHttpServer } from '../ops/http-server.js';
import { registerKpiGauges } from '../ops/kpi-gauges.js';
import { createLogger } from '../ops/logger.js';
import { Metrics } from '../ops/metrics.js';
import { type LiveProcessor, startLive } from '../stream/live-runner.js';
import { addConfigFlags, type ConfigFlag, commandConfig, environmentHelp, VALUE_FLAGS } from './options.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  {
    flags: '--segment-changes-topic <name>',
    path: 'topics.segmentChanges',
    description: 'segment-change topic',
  },
  { flags: '--dlq-topic <name>', path: 'topics.dlq', description: 'dead-letter topic' },
  { flags: '--group <id>', path: 'groupId', description: 'consumer group' },
  { flags: '--window <days>', path: 'windowDays', description: "rolling window of F and M, e.g. '365d'" },
  {
    flags: '--thresholds-cadence <days>',
    path: 'thresholdsCadenceDays',
    description: "event-time days between population thresholds versions, e.g. '1d'",
  },
  { flags: '--currency <code>', path: 'reportingCurrency', description: 'ISO-4217 reporting currency' },
  { flags: '--exchange-rates <list>', path: 'exchangeRates', description: "e.g. 'EUR=1.08,GBP=1.27'" },
  {
    flags: '--max-amount <minor>',
    path: 'maxAmountMinor',
    description: 'largest accepted amount, minor units',
  },
  {
    flags: '--idle-advance <bool>',
    path: 'idleAdvance',
    description: "live mode: move idle partitions' clocks with the wall clock",
  },
  {
    flags: '--churn-after <days>',
    path: 'churnAfterDays',
    description: "days without a purchase that make a customer lapsed in the churn rate, e.g. '90d'",
  },
  ...VALUE_FLAGS,
  {
    flags: '--max-future <duration>',
    path: 'maxFutureSkewMs',
    description: 'largest accepted lead of event time over wall clock',
  },
  {
    flags: '--allowed-lateness <days>',
    path: 'allowedLatenessDays',
    description: "how far before its partition's clock an order still counts, e.g. '7d'",
  },
  {
    flags: '--http-port <port>',
    path: 'httpPort',
    description: 'port of /metrics, /healthz, /readyz, /customers',
  },
  {
    flags: '--shutdown-timeout <duration>',
    path: 'shutdownTimeoutMs',
    description: 'on SIGTERM, how long the batch in hand may take to finish and commit',
  },
];

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description(
      'Run the processor: consume orders, keep RFM state in Redis, publish segment changes. ' +
        'Writes the namespace the live pointer of --namespace names, and moves to a namespace ' +
        '`rfm backfill --promote` makes live. Stops on SIGTERM/SIGINT after finishing the batch in hand and committing.',
    )
    .option('--exit-when-idle', 'exit once every record the input topic holds is processed')
    .addHelpText('after', environmentHelp());
  addConfigFlags(command, FLAGS).action(async (options: { exitWhenIdle?: boolean }, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const logger = createLogger(config);
    const registry = new Registry();
    const metrics = new Metrics(registry, {
      topic: config.topics.orders,
      group: config.groupId,
      allowedLatenessDays: config.allowedLatenessDays,
    });
    const health = new Health(metrics);
    let processor: LiveProcessor | undefined;
    // Up before the processor, so probes get answers (not ready yet) while it connects.
    const server = await startHttpServer({
      port: config.httpPort,
      registry,
      health,
      customer: () => processor?.customer,
      logger,
    });
    try {
      try {
        processor = await startLive(config, logger, { metrics, health });
      } catch (error) {
        // As a JSON line like the rest of its logs (a refused password, a schema not registered), not
        // as text; and out, whatever clients the failed start left connecting (their retries would
        // keep the process up, not ready, for ever).
        logger.fatal({ err: error }, 'processor could not start');
        await server.close();
        process.exit(error instanceof RfmError && error.code === 'CONFIG' ? 2 : 1);
      }
      const { kpis } = processor;
      registerKpiGauges(registry, kpis);
      logger.info(
        { topic: config.topics.orders, group: config.groupId, namespace: processor.namespace },
        'processor running',
      );
      const running = processor;
      const stop = async (why: string) => {
        logger.info({ why, ...running.stats }, 'processor stopping');
        await running.stop();
        logger.info('processor stopped');
      };
      const failed = health.failed.then((error) => ({ why: 'failed', error }));
      // With --exit-when-idle too: a stop asked for by signal finishes the step in hand and commits.
      const signalled = new Promise<{ why: string; error: null }>((resolve) => {
        const onSignal = (signal: string) => resolve({ why: signal, error: null });
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      });
      const idle = options.exitWhenIdle
        ? running.idle().then(
            () => ({ why: 'idle', error: null }),
            (error: unknown) => ({ why: 'failed', error }),
          )
        : new Promise<never>(() => undefined);
      const { why, error } = await Promise.race([signalled, idle, failed]);
      await stop(why);
      if (error) {
        logger.fatal({ err: error }, 'processor stopped after a failure it cannot retry');
        process.exitCode = 1;
      }
    } finally {
      await server.close();
    }
    // Stopped and committed: out now, even if a client of kafkajs left a connection open (seen after
    // the broker came back from an outage), which would keep the process up until the pod is killed.
    process.exit();
  });
}
