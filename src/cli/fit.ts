// `rfm fit`: fits BG/NBD and Gamma-Gamma by maximum likelihood on the orders of
// the input topic up to a calibration end day, and stores the parameters in
// Redis as a new version, which running processors pick up between batches.
import { type Command, Option } from 'commander';
import { createRedis } from '../config/config.js';
import { parseDuration } from '../config/duration.js';
import { calibrationSummaries } from '../domain/clv/calibration.js';
import { FitError, fitValueModels } from '../domain/clv/fit.js';
import type { ValueModel } from '../domain/clv/value-model.js';
import type { Order } from '../domain/order.js';
import { DAY_MS, dayOf, isoDay } from '../domain/time.js';
import { ConfigError, RfmError } from '../errors.js';
import { createProgress } from '../ingest/progress.js';
import { createLogger } from '../ops/logger.js';
import { Keys } from '../state/keys.js';
import { ValueModelStore } from '../state/value-model-store.js';
import { replayOrders } from '../stream/order-replay.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
];

interface FitFlags {
  calibrationEnd: string;
  timeUnit: string;
  dryRun?: boolean;
  json?: boolean;
}

export interface FitSummary {
  /** The stored version, or null with --dry-run. */
  version: string | null;
  model: Omit<ValueModel, 'version'>;
  records: number;
  orders: number;
  rejected: number;
  readMs: number;
  fitMs: number;
}

export function registerFit(program: Command): void {
  const command = program
    .command('fit')
    .description(
      'Fit the BG/NBD and Gamma-Gamma value models on the orders of the input topic up to a calibration ' +
        'end day, and store them as a new version that running processors pick up without a restart',
    )
    .requiredOption(
      '--calibration-end <date>',
      'last day (YYYY-MM-DD, UTC) of the calibration period; its orders count',
    )
    .addOption(
      new Option(
        '--time-unit <duration>',
        "time unit of the parameters: '7d' (weeks, as in the papers) or '1d'",
      ).default('7d'),
    )
    .option('--dry-run', 'fit and print, but store nothing')
    .option('--json', 'print the summary as JSON');
  addConfigFlags(command, FLAGS).action(async (flags: FitFlags, self: Command) => {
    const config = commandConfig(self, FLAGS);
    const logger = createLogger(config);
    const calibrationEndDay = parseDay(flags.calibrationEnd);
    const daysPerUnit = parseUnit(flags.timeUnit);

    const orders: Order[] = [];
    const readStarted = Date.now();
    let progress: ReturnType<typeof createProgress> | null = null;
    const counts = await replayOrders(
      config,
      logger,
      (order) => {
        if (dayOf(order.eventTime) <= calibrationEndDay) orders.push(order);
      },
      {
        onProgress: (read, total) => {
          progress ??= createProgress({
            total,
            unit: 'records',
            interactive: process.stderr.isTTY === true,
            logger,
          });
          progress.update(read);
        },
      },
    );
    (progress as ReturnType<typeof createProgress> | null)?.stop();
    const readMs = Date.now() - readStarted;

    const fitStarted = Date.now();
    const calibrationEnd = isoDay(calibrationEndDay);
    let fitted: ReturnType<typeof fitValueModels>;
    try {
      fitted = fitValueModels(calibrationSummaries(orders, { calibrationEndDay, daysPerUnit }), {
        calibrationEnd,
        daysPerUnit,
      });
    } catch (error) {
      if (error instanceof FitError) throw new RfmError('FIT_FAILED', error.message, { cause: error });
      throw error;
    }
    const fitMs = Date.now() - fitStarted;
    const model = { ...fitted, fittedAt: new Date().toISOString() };

    let version: string | null = null;
    if (!flags.dryRun) {
      const redis = createRedis(config, { maxRetriesPerRequest: 3 });
      try {
        const store = new ValueModelStore(redis, new Keys(config.namespace), config.topics.orders);
        version = await store.nextVersion(calibrationEnd);
        await store.save({ ...model, version });
      } finally {
        redis.disconnect();
      }
    }
    const summary: FitSummary = { version, model, ...counts, readMs, fitMs };
    logger.info({ version, readMs, fitMs, customers: model.customers }, 'value models fitted');
    console.log(flags.json ? JSON.stringify(summary, null, 2) : formatFit(summary));
  });
}

function parseDay(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || isoDay(dayOf(time)) !== text.trim()) {
    throw new ConfigError(
      `--calibration-end ${JSON.stringify(text)}: give a day as YYYY-MM-DD, e.g. 1997-09-30`,
    );
  }
  return dayOf(time);
}

function parseUnit(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms % DAY_MS !== 0) {
    throw new ConfigError(`--time-unit ${JSON.stringify(text)}: give whole days, e.g. 7d or 1d`);
  }
  return ms / DAY_MS;
}

export function formatFit(summary: FitSummary): string {
  const { model } = summary;
  const f = (x: number, digits = 4) => x.toFixed(digits);
  const unit = model.daysPerUnit === 7 ? 'weeks' : `${model.daysPerUnit}-day units`;
  return [
    summary.version
      ? `value models stored as version ${summary.version}`
      : 'value models fitted (--dry-run: not stored)',
    `  calibration   orders up to ${model.calibrationEnd}; time in ${unit}`,
    `  read          ${summary.records} records, ${summary.orders} orders, ${summary.rejected} rejected, ${(summary.readMs / 1000).toFixed(2)} s`,
    `  customers     ${model.customers}, ${model.repeatCustomers} with a repeat purchase`,
    `  BG/NBD        r ${f(model.bgnbd.r)}  alpha ${f(model.bgnbd.alpha)}  a ${f(model.bgnbd.a)}  b ${f(model.bgnbd.b)}  LL ${f(model.bgnbd.logLikelihood, 2)}`,
    `  Gamma-Gamma   p ${f(model.gammaGamma.p)}  q ${f(model.gammaGamma.q)}  v ${f(model.gammaGamma.v, 2)} (minor units)  LL ${f(model.gammaGamma.logLikelihood, 2)}`,
    `  fit time      ${summary.fitMs} ms`,
  ].join('\n');
}
