// `npm run bench`: generates a Zipf order workload into a fresh topic and, in one
// run, measures (a) raw kafkajs consumption of it, (b) the processor from empty
// state, (c) a backfill of it into a second namespace; then the cost per event
// against history length, and the produce-to-output latency at a fifth of (b)'s
// rate. Prints a table and writes everything as JSON. Deletes its topics,
// groups and namespaces afterwards.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type Config, createRedis, kafkaClientConfig, loadConfig } from '../config/config.js';
import { AvroCodec } from '../stream/codec.js';
import { createSchemaRegistry, registerSchemas, subjectsOf } from '../stream/schemas.js';
import { ensureTopics } from '../stream/topics.js';
import { capacityOf } from './capacity.js';
import { measureLatency } from './latency.js';
import {
  histogramBuckets,
  histogramQuantile,
  type MeasuredRun,
  measureProcess,
  metricSum,
  PROCESSOR_ENV,
  PROCESSOR_NODE_OPTIONS,
} from './measure.js';
import { produceAll } from './produce.js';
import { callsBetween, commandCalls, cpuSeconds, dropNamespace, namespaceMemory } from './redis-stats.js';
import { type BenchResult, formatTable, targetsOf } from './report.js';
import { roundRobinCustomers, workload, zipfCustomers } from './workload.js';

interface BenchOptions {
  orders: number;
  customers: number;
  partitions: number;
  zipf: number;
  days: number;
  historyOrders: number;
  latencySeconds: number;
  output: string;
  backfill: boolean;
  history: boolean;
  latency: boolean;
  keep: boolean;
  timeout: number;
  processorNodeOptions: string;
  cpuProf: string | null;
  processorBin: string;
  processes: number[];
  redisShardGb: number;
}

const BIN = new URL('../../bin/rfm.js', import.meta.url).pathname;
const RAW = new URL('./raw-consume.js', import.meta.url).pathname;
const RAW_PUBLISH = new URL('./raw-publish.js', import.meta.url).pathname;
/** Outputs (a′) holds in memory to publish again at most: a bound on the benchmark's own memory. */
const PUBLISH_SAMPLE = 300_000;

const program = new Command('bench')
  .description('Benchmark the processor against the raw kafkajs consume rate (see README, "Performance")')
  .option(
    '--orders <n>',
    'orders in the main workload (RFM_BENCH_ORDERS)',
    process.env.RFM_BENCH_ORDERS ?? '1000000',
  )
  .option(
    '--customers <n>',
    'customers they are drawn from (RFM_BENCH_CUSTOMERS)',
    process.env.RFM_BENCH_CUSTOMERS ?? '100000',
  )
  .option(
    '--partitions <n>',
    'partitions of the topic (RFM_BENCH_PARTITIONS)',
    process.env.RFM_BENCH_PARTITIONS ?? '6',
  )
  .option('--zipf <s>', 'Zipf exponent of the customer distribution', '1')
  .option('--days <n>', 'event-time days the orders spread over, in order', '365')
  .option(
    '--history-orders <n>',
    'orders in each of the two history-length workloads (0: skip)',
    process.env.RFM_BENCH_HISTORY_ORDERS ?? '1000000',
  )
  .option(
    '--latency-seconds <n>',
    'how long the latency run produces (0: skip)',
    process.env.RFM_BENCH_LATENCY_SECONDS ?? '30',
  )
  .option(
    '--output <file>',
    'where the JSON results go (RFM_BENCH_OUTPUT)',
    process.env.RFM_BENCH_OUTPUT ?? 'bench-results.json',
  )
  .option('--no-backfill', 'skip (c), the backfill')
  .option(
    '--processes <list>',
    '(d): the processor as a group of each of these numbers of processes, e.g. 1,2,3 (RFM_BENCH_PROCESSES; empty: skip)',
    process.env.RFM_BENCH_PROCESSES ?? '',
  )
  .option(
    '--redis-shard-gb <GB>',
    'memory one Redis shard is planned to hold, for the capacity model (deploy/capacity.md)',
    '25',
  )
  .option('--keep', 'keep the topics, groups and Redis keys afterwards')
  .option('--timeout <minutes>', 'longest any one measured process may run', '120')
  .option(
    '--processor-node-options <flags>',
    "NODE_OPTIONS of the processes measured: V8's memory limits as the image sets them (deploy/docker/Dockerfile); '' for Node's defaults",
    process.env.RFM_BENCH_PROCESSOR_NODE_OPTIONS ?? PROCESSOR_NODE_OPTIONS,
  )
  .option(
    '--cpu-prof <dir>',
    'write a V8 CPU profile of (b), the processor, into this directory (node --cpu-prof)',
  )
  .option(
    '--processor-bin <file>',
    "the `rfm` measured in (b), e.g. another checkout's bin/rfm.js built, to compare builds on one machine",
    BIN,
  );

async function main(): Promise<void> {
  program.parse();
  const raw = program.opts<Record<string, string | boolean>>();
  const options: BenchOptions = {
    orders: Number(raw.orders),
    customers: Number(raw.customers),
    partitions: Number(raw.partitions),
    zipf: Number(raw.zipf),
    days: Number(raw.days),
    historyOrders: Number(raw.historyOrders),
    latencySeconds: Number(raw.latencySeconds),
    output: String(raw.output),
    backfill: raw.backfill !== false,
    history: Number(raw.historyOrders) > 0,
    latency: Number(raw.latencySeconds) > 0,
    keep: raw.keep === true,
    timeout: Number(raw.timeout) * 60_000,
    processorNodeOptions: String(raw.processorNodeOptions).trim(),
    cpuProf: typeof raw.cpuProf === 'string' ? raw.cpuProf : null,
    processorBin: String(raw.processorBin),
    redisShardGb: Number(raw.redisShardGb),
    processes: String(raw.processes)
      .split(',')
      .filter((n) => n.trim() !== '')
      .map(Number),
  };
  const runId = `bench-${Date.now().toString(36)}`;
  const base = loadConfig(process.env, { logLevel: 'silent', topics: { partitions: options.partitions } });
  const kafka = new Kafka({ ...kafkaClientConfig(base), clientId: 'rfm-bench', logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedis(base);
  const registry = createSchemaRegistry(base);
  const cleanup: (() => Promise<unknown>)[] = [];
  const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

  /** A topic set, namespace and group of their own for one workload. */
  const scenario = async (name: string) => {
    const id = `${runId}-${name}`;
    const config = loadConfig(process.env, {
      namespace: id,
      groupId: `${id}-group`,
      topics: {
        orders: `${id}.orders`,
        segmentChanges: `${id}.segments`,
        churnRisk: `${id}.churn`,
        dlq: `${id}.dlq`,
        partitions: options.partitions,
      },
    });
    await ensureTopics(admin, config);
    const codec = new AvroCodec(registry, await registerSchemas(registry, config));
    cleanup.push(async () => {
      const topics = [
        config.topics.orders,
        config.topics.segmentChanges,
        config.topics.churnRisk,
        config.topics.dlq,
      ];
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin
        .deleteGroups([
          config.groupId,
          `${config.groupId}.backfill.${id}-bf`,
          `${config.topics.segmentChanges}.bench-reader`,
        ])
        .catch(() => undefined);
      await dropNamespace(redis, id);
      await dropNamespace(redis, `${id}-bf`);
      for (const subject of Object.values(subjectsOf(config.topics))) await deleteSubject(base, subject);
    });
    return { id, config, codec };
  };

  const envOf = (config: Readonly<Config>, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: config.schemaRegistry.url,
    REDIS_URL: config.redis.url,
    REDIS_CLUSTER: String(config.redis.cluster),
    RFM_NAMESPACE: config.namespace,
    RFM_GROUP_ID: config.groupId,
    RFM_TOPIC_ORDERS: config.topics.orders,
    RFM_TOPIC_SEGMENT_CHANGES: config.topics.segmentChanges,
    RFM_TOPIC_CHURN_RISK: config.topics.churnRisk,
    RFM_TOPIC_DLQ: config.topics.dlq,
    RFM_LOG_LEVEL: 'info',
    ...(options.processorNodeOptions !== ''
      ? {
          ...PROCESSOR_ENV,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${options.processorNodeOptions}`.trim(),
        }
      : {}),
    ...extra,
  });

  const progress = (label: string, total: number) => {
    let last = 0;
    return (done: number) => {
      if (Date.now() - last < 10_000) return;
      last = Date.now();
      say(`${label}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
    };
  };

  /** `rfm run --exit-when-idle` over a topic from empty state. */
  const runProcessor = async (
    config: Readonly<Config>,
    records: number,
    /** (b) itself: profiled when asked, and of the build asked for. */
    main = false,
  ): Promise<MeasuredRun> => {
    const port = await freePort();
    // Not allowed in NODE_OPTIONS: given to node itself.
    const nodeFlags = main && options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`] : [];
    return measureProcess({
      args: [...nodeFlags, main ? options.processorBin : BIN, 'run', '--exit-when-idle'],
      env: envOf(config, { RFM_HTTP_PORT: String(port) }),
      records,
      group: { admin, groupId: config.groupId, topic: config.topics.orders },
      metricsPort: port,
      timeoutMs: options.timeout,
      onProgress: progress('processor', records),
    });
  };

  /** What was measured so far: written out also when a later measurement fails. */
  let result: BenchResult | null = null;
  const report = (measured: BenchResult) => {
    measured.targets = targetsOf(measured);
    writeFileSync(options.output, `${JSON.stringify(measured, null, 2)}\n`);
    process.stdout.write(`${formatTable(measured)}\n`);
    say(`results written to ${options.output}`);
  };
  try {
    result = {
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      runId,
      startedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        redis: /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown',
      },
      options: { ...options },
    };

    // The workload.
    const main = await scenario('main');
    say(
      `producing ${options.orders.toLocaleString('en-US')} orders over ${options.customers.toLocaleString('en-US')} customers into ${main.config.topics.orders}`,
    );
    const produced = await produceAll(
      kafka,
      main.codec,
      main.config.topics.orders,
      workload({
        orders: options.orders,
        customerOf: zipfCustomers(options.customers, options.zipf, 7),
        days: options.days,
        idPrefix: main.id,
      }),
    );
    result.produce = {
      orders: produced.sent,
      customers: produced.ordersOf.size,
      seconds: produced.seconds,
      rate: produced.sent / produced.seconds,
      maxOrdersPerCustomer: Math.max(...produced.ordersOf.values()),
    };

    // (a) raw consumption.
    say('(a) raw kafkajs consumption, no-op handler');
    const rawRun = await measureProcess({
      args: [
        RAW,
        base.kafka.brokers.join(','),
        main.config.topics.orders,
        `${main.id}-raw`,
        String(produced.sent),
      ],
      env: process.env,
      records: produced.sent,
      timeoutMs: options.timeout,
    });
    cleanup.push(() => admin.deleteGroups([`${main.id}-raw`]).catch(() => undefined));
    result.raw = { rate: rawRun.rate, seconds: (rawRun.doneAt - rawRun.joinedAt) / 1000 };

    // (b) the processor from empty state.
    say('(b) the processor, from empty state');
    const callsBefore = await commandCalls(redis);
    const cpuBefore = await cpuSeconds(redis);
    const run = await runProcessor(main.config, produced.sent, true);
    const calls = callsBetween(callsBefore, await commandCalls(redis));
    const redisCpu = (await cpuSeconds(redis)) - cpuBefore;
    const metrics = run.metrics ?? '';
    const batches = histogramBuckets(metrics, 'rfm_batch_duration_seconds');
    const batchCount = batches[batches.length - 1]?.count ?? 0;
    const roundTrips = metricSum(metrics, 'rfm_redis_duration_seconds_count');
    const commands = calls.reduce((sum, [, n]) => sum + n, 0);
    result.processor = {
      rate: run.rate,
      seconds: (run.doneAt - run.joinedAt) / 1000,
      ratioToRaw: run.rate / result.raw.rate,
      batches: batchCount,
      batchP50Ms: msOf(histogramQuantile(0.5, batches)),
      batchP99Ms: msOf(histogramQuantile(0.99, batches)),
      peakRssMb: mbOf(run.peakRssBytes),
      redisCommandsPerEvent: commands / produced.sent,
      redisCommandsPerCpuSecond: commands / Math.max(0.001, redisCpu),
      redisTopCommands: Object.fromEntries(calls.slice(0, 12)),
      redisRoundTripsPerBatch: batchCount > 0 ? roundTrips / batchCount : null,
      changesOut:
        metricSum(metrics, 'rfm_records_out_total', 'kind="segment_change"') +
        metricSum(metrics, 'rfm_records_out_total', 'kind="churn_risk"'),
      ticks: metricSum(metrics, 'rfm_thresholds_tick_duration_seconds_count'),
      tickSeconds: metricSum(metrics, 'rfm_thresholds_tick_duration_seconds_sum'),
      cpuSeconds: metricSum(metrics, 'process_cpu_seconds_total'),
      gcSeconds: Object.fromEntries(
        ['minor', 'major', 'incremental', 'weakcb'].map((kind) => [
          kind,
          metricSum(metrics, 'nodejs_gc_duration_seconds_sum', `kind="${kind}"`),
        ]),
      ),
    };

    // Redis memory of the state (b) built.
    say('measuring Redis memory of the state');
    const memory = await namespaceMemory(redis, main.id);
    const upTo10 = [...produced.ordersOf].filter(([, n]) => n <= 10).map(([id]) => id);
    const ownUpTo10 = upTo10.reduce((sum, id) => sum + (memory.byCustomer.get(id) ?? 0), 0);
    const sharedPerCustomer = memory.sharedBytes / Math.max(1, memory.customers);
    result.memory = {
      customers: memory.customers,
      totalMb: memory.totalBytes / 2 ** 20,
      bytesPerCustomer: memory.totalBytes / Math.max(1, memory.customers),
      sharedBytesPerCustomer: sharedPerCustomer,
      customersUpTo10Orders: upTo10.length,
      bytesPerCustomerUpTo10Orders: ownUpTo10 / Math.max(1, upTo10.length) + sharedPerCustomer,
    };

    // (a′) the outputs' own ceiling: kafkajs publishing (b)'s outputs again, nothing else.
    if (result.processor.changesOut > 0) {
      say("(a′) raw kafkajs publishing of (b)'s outputs");
      const records = Math.min(PUBLISH_SAMPLE, result.processor.changesOut);
      const from = [main.config.topics.segmentChanges, main.config.topics.churnRisk];
      const to = from.map((topic) => `${topic}.republished`);
      await admin.createTopics({
        topics: to.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: 1 })),
      });
      cleanup.push(async () => {
        await admin.deleteTopics({ topics: to }).catch(() => undefined);
        await admin.deleteGroups([`${main.id}-republish`]).catch(() => undefined);
      });
      const publishRun = await measureProcess({
        args: [
          RAW_PUBLISH,
          base.kafka.brokers.join(','),
          `${main.id}-republish`,
          from.join(','),
          to.join(','),
          String(records),
        ],
        env: process.env,
        records,
        timeoutMs: options.timeout,
      });
      const outputsPerEvent = result.processor.changesOut / produced.sent;
      const ceiling = publishRun.rate / outputsPerEvent;
      result.publish = {
        records,
        rate: publishRun.rate,
        outputsPerEvent,
        ceilingEventsPerSecond: ceiling,
        ceilingRatioToRaw: ceiling / result.raw.rate,
        processorToCeiling: result.processor.rate / ceiling,
      };
    }

    // The capacity model, from (b) and its memory.
    const capacityInputs = {
      eventsPerProcess: result.processor.rate,
      redisCommandsPerEvent: result.processor.redisCommandsPerEvent,
      redisBytesPerCustomer: result.memory.bytesPerCustomer,
      redisCommandsPerShard: result.processor.redisCommandsPerCpuSecond,
      redisBytesPerShard: options.redisShardGb * 2 ** 30,
      utilisation: 0.7,
    };
    result.capacity = { inputs: capacityInputs, cases: capacityOf(capacityInputs) };

    // (c) a backfill into a second namespace.
    if (options.backfill) {
      say('(c) backfill into a second namespace');
      const namespace = `${main.id}-bf`;
      const backfill = await measureProcess({
        args: [BIN, 'backfill', '--namespace', namespace, '--until-caught-up'],
        env: envOf(main.config, { RFM_NAMESPACE: namespace }),
        records: produced.sent,
        group: {
          admin,
          groupId: `${main.config.groupId}.backfill.${namespace}`,
          topic: main.config.topics.orders,
        },
        timeoutMs: options.timeout,
        onProgress: progress('backfill', produced.sent),
      });
      result.backfill = {
        rate: backfill.rate,
        seconds: (backfill.doneAt - backfill.joinedAt) / 1000,
        ratioToRaw: backfill.rate / result.raw.rate,
        peakRssMb: mbOf(backfill.peakRssBytes),
      };
    }

    // (d) scale-out: one consumer group of N processes, each N from empty state.
    if (options.processes.length > 0) {
      result.scale = [];
      for (const count of options.processes) {
        say(`(d) the processor as a group of ${count} process${count === 1 ? '' : 'es'}`);
        const namespace = `${main.id}-x${count}`;
        const groupId = `${main.config.groupId}-x${count}`;
        cleanup.push(async () => {
          await admin.deleteGroups([groupId]).catch(() => undefined);
          await dropNamespace(redis, namespace);
        });
        const runs = await Promise.all(
          Array.from({ length: count }, async () => {
            const port = await freePort();
            return measureProcess({
              args: [BIN, 'run', '--exit-when-idle'],
              env: envOf(main.config, {
                RFM_NAMESPACE: namespace,
                RFM_GROUP_ID: groupId,
                RFM_HTTP_PORT: String(port),
              }),
              records: produced.sent,
              group: { admin, groupId, topic: main.config.topics.orders },
              timeoutMs: options.timeout,
              onProgress: progress(`${count} processes`, produced.sent),
            });
          }),
        );
        const seconds =
          (Math.max(...runs.map((r) => r.doneAt)) - Math.min(...runs.map((r) => r.joinedAt))) / 1000;
        const rate = produced.sent / seconds;
        const one = result.scale[0]?.processes === 1 ? result.scale[0].rate : rate;
        result.scale.push({
          processes: count,
          rate,
          seconds,
          ratioToOne: rate / one,
          peakRssMb: runs.map((r) => mbOf(r.peakRssBytes)),
        });
      }
    }

    // Cost per event against history length: the same number of orders over the
    // same days, one per customer, or two hundred per customer.
    if (options.history) {
      const runs: Record<string, MeasuredRun> = {};
      for (const perCustomer of [1, 200]) {
        const name = `h${perCustomer}`;
        const history = await scenario(name);
        say(`history: ${options.historyOrders.toLocaleString('en-US')} orders, ${perCustomer} per customer`);
        await produceAll(
          kafka,
          history.codec,
          history.config.topics.orders,
          workload({
            orders: options.historyOrders,
            customerOf: roundRobinCustomers(Math.max(1, Math.floor(options.historyOrders / perCustomer))),
            days: options.days,
            idPrefix: history.id,
          }),
        );
        runs[name] = await runProcessor(history.config, options.historyOrders);
      }
      const one = runs.h1 as MeasuredRun;
      const many = runs.h200 as MeasuredRun;
      result.history = {
        orders: options.historyOrders,
        oneOrderRate: one.rate,
        twoHundredOrdersRate: many.rate,
        perEventTimeRatio: one.rate / many.rate,
        // One order per customer: as many customers as orders.
        oneOrderPeakRssMb: mbOf(one.peakRssBytes),
      };
    }

    // Latency at a fifth of the processor's throughput.
    if (options.latency) {
      const live = await scenario('latency');
      const rate = Math.max(1, Math.round(result.processor.rate / 5));
      say(`latency: ${rate} orders/s for ${options.latencySeconds} s into a running processor`);
      const port = await freePort();
      const child = spawn(process.execPath, [BIN, 'run'], {
        env: envOf(live.config, { RFM_HTTP_PORT: String(port) }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stderr }).on('line', (line) => {
          if (line.includes('"partitions assigned"')) resolve();
        });
        exited.then(() => reject(new Error('the processor exited before joining its group')));
      });
      const total = Math.ceil(rate * options.latencySeconds * 1.1) + 1;
      try {
        result.latency = await measureLatency({
          kafka,
          codec: live.codec,
          ordersTopic: live.config.topics.orders,
          segmentChangesTopic: live.config.topics.segmentChanges,
          rate,
          seconds: options.latencySeconds,
          events: workload({
            orders: total,
            customerOf: zipfCustomers(options.customers, options.zipf, 11),
            idPrefix: live.id,
          }),
          caughtUp: () => caughtUp(admin, live.config.groupId, live.config.topics.orders, options.timeout),
        });
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }

    report(result);
  } catch (error) {
    if (result) {
      result.failure = (error as Error).message.split('\n')[0] as string;
      report(result);
    }
    throw error;
  } finally {
    if (!options.keep) {
      say('cleaning up topics, groups and Redis keys');
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    }
    await admin.disconnect();
    redis.disconnect();
  }
}

async function caughtUp(admin: Admin, groupId: string, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    if (ends.every((e) => Number(e.high) === 0 || (at.get(e.partition) ?? -1) >= Number(e.high))) return;
    if (Date.now() > deadline) throw new Error(`${groupId} did not catch up on ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function deleteSubject(config: Readonly<Config>, subject: string): Promise<void> {
  const url = `${config.schemaRegistry.url}/subjects/${encodeURIComponent(subject)}`;
  await fetch(url, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}

const msOf = (seconds: number | null) => (seconds === null ? null : seconds * 1000);
const mbOf = (bytes: number | null) => (bytes === null ? null : bytes / 2 ** 20);

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
