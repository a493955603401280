// `rfm demo`: the main job on a local stack, in one command. Creates the topics,
// imports the CDNOW orders when the orders topic holds fewer, and runs the
// processor into its own namespace while a live view shows the segment
// populations, the latest segment changes and churn-risk events as a downstream
// consumer reads them, and the rate. Ctrl-C stops it cleanly.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { redisOptions } from '../config/config.js';
import type { ChurnRiskChange, SegmentChange } from '../domain/changes.js';
import { importOrders } from '../ingest/importer.js';
import { presetFile, readOrders } from '../ingest/source.js';
import { Health } from '../ops/health.js';
import { startHttpServer } from '../ops/http-server.js';
import { registerKpiGauges } from '../ops/kpi-gauges.js';
import { createLogger } from '../ops/logger.js';
import { Metrics } from '../ops/metrics.js';
import { clearNamespace } from '../state/clear-namespace.js';
import { Keys } from '../state/keys.js';
import { populationReport } from '../state/views.js';
import { committedOffsets, namespaceTopics, partitionCountOf } from '../stream/backfill.js';
import { connect, createKafka } from '../stream/kafka.js';
import { type FedChange, outputEnds, startOutputFeed } from '../stream/output-feed.js';
import { startProcessor } from '../stream/processor-runner.js';
import { createSchemaRegistry, registerSchemas } from '../stream/schemas.js';
import { ensureTopics } from '../stream/topics.js';
import { type DemoSnapshot, renderDemo, Screen } from './demo-view.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';
import { serviceUrls } from './service-urls.js';

/** The demo's state; reset at each start, so every run shows the orders flowing in from the first. */
export const DEMO_NAMESPACE = 'demo';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--orders-topic <name>', path: 'topics.orders', description: 'input topic' },
  { flags: '--partitions <n>', path: 'topics.partitions', description: 'partitions of each new topic' },
];

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'The main job on a local stack: create the topics, import the CDNOW orders when the orders topic ' +
        `holds fewer, and run the processor into namespace '${DEMO_NAMESPACE}' (reset at each start; ` +
        `outputs on ${DEMO_NAMESPACE}.<topic>, consumer group <group>.${DEMO_NAMESPACE}) with a live view ` +
        'of segment populations, the latest segment changes and churn-risk events, and the rate. ' +
        'Ctrl-C stops it. `npm run demo` also builds and starts the local stack first.',
    );
  addConfigFlags(command, FLAGS).action(async (_options: unknown, self: Command) => {
    await runDemo(commandConfig(self, FLAGS));
  });
}

async function runDemo(base: Readonly<Config>): Promise<void> {
  const startedAt = Number(process.env.RFM_DEMO_STARTED_AT) || performance.timeOrigin;
  // The view owns the terminal: logs go to a file it names.
  const logFile = join(tmpdir(), 'rfm-demo.log');
  const logger = createLogger(base, pino.destination({ dest: logFile, sync: true, append: true }));
  const config: Readonly<Config> = {
    ...base,
    namespace: DEMO_NAMESPACE,
    groupId: `${base.groupId}.${DEMO_NAMESPACE}`,
    topics: namespaceTopics(base.topics, DEMO_NAMESPACE),
  };
  const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);
  say(
    `Kafka ${config.kafka.brokers.join(',')}, schema registry ${config.schemaRegistry.url}, Redis ${config.redis.url}`,
  );
  say(`logs: ${logFile}`);

  const kafka = createKafka(config, logger);
  const admin = await connect(kafka.admin(), config);
  const redis = new Redis({ ...redisOptions(config), maxRetriesPerRequest: 3 });
  const input = config.topics.orders;
  await ensureTopics(admin, config);
  await registerSchemas(createSchemaRegistry(config), config);
  const recordsIn = async () =>
    (await admin.fetchTopicOffsets(input)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  /** Records whose state and outputs are durable: the group's committed offsets past the topic's start. */
  const recordsDone = async () => {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(input),
      committedOffsets(admin, config.groupId, input),
    ]);
    return ends.reduce((sum, p) => sum + Math.max(0, (committed.get(p.partition) ?? 0) - Number(p.low)), 0);
  };
  const cdnow = { file: presetFile('cdnow'), format: { preset: 'cdnow' as const }, sort: true };
  const wanted = (await readOrders(cdnow)).events.length;
  const held = await recordsIn();
  say(
    held < wanted
      ? `${input} holds ${held.toLocaleString('en-US')} records: importing the ${wanted.toLocaleString('en-US')} CDNOW orders while the processor runs`
      : `${input} holds ${held.toLocaleString('en-US')} records: processing them again from the first`,
  );

  // A fresh start: no state, no committed offsets.
  await clearNamespace(redis, new Keys(config.namespace));
  await admin.deleteGroups([config.groupId]).catch(() => undefined);
  const partitionCount = await partitionCountOf(admin, input);
  const scope = {
    redis,
    keys: new Keys(config.namespace),
    topic: input,
    partitionCount,
    windowDays: config.windowDays,
  };

  const recentChanges: SegmentChange[] = [];
  const recentRisks: ChurnRiskChange[] = [];
  const keep = <T>(list: T[], item: T) => {
    list.unshift(item);
    if (list.length > 20) list.pop();
  };
  const feed = await startOutputFeed(
    config,
    await outputEnds(admin, config.topics),
    (fed: FedChange) =>
      fed.kind === 'segment' ? keep(recentChanges, fed.change) : keep(recentRisks, fed.change),
    logger,
  );
  // The processor's HTTP port, as `rfm run` serves it: /metrics for Prometheus, health, customers.
  const registry = new Registry();
  const metrics = new Metrics(registry, {
    topic: input,
    group: config.groupId,
    allowedLatenessDays: config.allowedLatenessDays,
  });
  const health = new Health(metrics);
  const processor = await startProcessor(config, logger, { metrics, health });
  registerKpiGauges(registry, processor.kpis);
  const server = await startHttpServer({
    port: config.httpPort,
    host: '127.0.0.1',
    registry,
    health,
    customer: () => processor.customer,
    logger,
  }).catch((error: unknown) => {
    logger.warn(
      { err: error, port: config.httpPort },
      'HTTP port not served (set RFM_HTTP_PORT to a free one)',
    );
    return null;
  });
  let importing: string | null = null;
  if (held < wanted) {
    importing = 'sending...';
    const started = performance.now();
    importOrders({ ...cdnow, batchSize: 1000, interactive: false }, config, logger).then(
      (summary) => {
        importing = `${summary.sent.toLocaleString('en-US')} CDNOW orders sent in ${((performance.now() - started) / 1000).toFixed(1)} s`;
      },
      (error: unknown) => {
        importing = `failed: ${(error as Error).message}`;
      },
    );
  }
  const urls = await serviceUrls(config);

  const interactive = process.stdout.isTTY === true;
  // The view lists them; without a terminal, say them once.
  if (!interactive) for (const { name, url } of urls) say(`${name}: ${url}`);
  const screen = new Screen();
  if (interactive) screen.open();
  let firstChangeAfter: number | null = null;
  const rates = new RateWindow();
  let lastPrinted = 0;
  const frame = async () => {
    const [report, inTopic, records] = await Promise.all([
      populationReport(scope),
      recordsIn(),
      recordsDone(),
    ]);
    const { changes } = processor.stats;
    const rate = rates.add(Date.now(), records, changes);
    if (firstChangeAfter === null && recentChanges.length > 0)
      firstChangeAfter = (Date.now() - startedAt) / 1000;
    const snapshot: DemoSnapshot = {
      inTopic,
      processed: records,
      ordersPerSecond: rate.records,
      changesPerSecond: rate.changes,
      changes,
      report,
      recentChanges,
      recentRisks,
      firstChangeAfter,
      importing,
      caughtUp: inTopic > 0 && records >= inTopic,
      topics: config.topics,
      urls,
      namespace: config.namespace,
      logFile,
    };
    if (interactive)
      screen.draw(renderDemo(snapshot, process.stdout.columns || 100, process.stdout.rows || 40));
    else if (Date.now() - lastPrinted >= 2000) {
      lastPrinted = Date.now();
      const latest = recentChanges[0];
      say(
        `${records}/${inTopic} orders, ${rate.records}/s, ${changes} changes, clock ${report.asOf ?? '-'}` +
          (latest ? `; latest ${latest.customerId} ${latest.model} -> ${latest.segment}` : '') +
          (firstChangeAfter === null ? '' : `; first change after ${firstChangeAfter.toFixed(1)} s`),
      );
    }
  };
  let drawing: Promise<void> = frame();
  const ticker = setInterval(() => {
    drawing = drawing.then(frame).catch((error: unknown) => logger.warn({ err: error }, 'view not updated'));
  }, 500);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      process.once('SIGINT', () => process.exit(130));
      resolve();
    });
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(ticker);
  await drawing;
  if (interactive) screen.close();
  say('stopping...');
  await processor.stop();
  await server?.close();
  await feed.stop();
  const done = await recordsDone();
  await admin.disconnect();
  redis.disconnect();
  say(
    `processed ${done.toLocaleString('en-US')} orders, published ${processor.stats.changes.toLocaleString('en-US')} changes. ` +
      `The state stays in Redis: node bin/rfm.js report --namespace ${config.namespace}`,
  );
  // An import cut short by Ctrl-C has nothing left worth waiting for.
  process.exit(0);
}

/** Orders and changes per second over the last few seconds. */
class RateWindow {
  private readonly samples: { at: number; records: number; changes: number }[] = [];

  add(at: number, records: number, changes: number): { records: number; changes: number } {
    this.samples.push({ at, records, changes });
    while (this.samples.length > 2 && at - (this.samples[0] as { at: number }).at > 3000)
      this.samples.shift();
    const first = this.samples[0] as { at: number; records: number; changes: number };
    const seconds = (at - first.at) / 1000;
    return seconds > 0
      ? {
          records: Math.round((records - first.records) / seconds),
          changes: Math.round((changes - first.changes) / seconds),
        }
      : { records: 0, changes: 0 };
  }
}
