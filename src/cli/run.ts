// `rfm run`: the processor. Runs until SIGTERM or SIGINT, or with
// --exit-when-idle, until everything the input topic holds is processed.
import type { Command } from 'commander';
import { createLogger } from '../ops/logger.js';
import { startLive } from '../stream/live-runner.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';

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
    flags: '--max-future <duration>',
    path: 'maxFutureSkewMs',
    description: 'largest accepted lead of event time over wall clock',
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
    .option('--exit-when-idle', 'exit once every record the input topic holds is processed');
  addConfigFlags(command, FLAGS).action(async (options: { exitWhenIdle?: boolean }, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const logger = createLogger(config);
    const processor = await startLive(config, logger);
    logger.info(
      { topic: config.topics.orders, group: config.groupId, namespace: processor.namespace },
      'processor running',
    );
    const stop = async (why: string) => {
      logger.info({ why, ...processor.stats }, 'processor stopping');
      await processor.stop();
      logger.info('processor stopped');
    };
    if (options.exitWhenIdle) {
      await processor.idle();
      await stop('idle');
      return;
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => void stop(signal).then(resolve);
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    });
  });
}
