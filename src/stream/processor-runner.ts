// `rfm run`: the consumer group that reads orders, the producer of outputs and
// dead letters, and the coordinator between them. Offsets are committed only
// after the state and the outputs of the records before them are durable.
import { type Consumer, Kafka, type KafkaMessage, type Message, Partitioners, type Producer } from 'kafkajs';
import { type Config, createRedis, kafkaClientConfig } from '../config/config.js';
import { admit } from '../domain/admission.js';
import { isRetriable, RfmError } from '../errors.js';
import type { Health } from '../ops/health.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { Coordinator, type QueuedRecord } from '../processor/coordinator.js';
import { CustomerStore } from '../state/customer-store.js';
import { Keys } from '../state/keys.js';
import { kpiScopeOf, type PopulationKpis, populationKpis } from '../state/kpi-view.js';
import { PartitionIndex } from '../state/partition-index.js';
import { checkRedis } from '../state/redis-health.js';
import { defineScripts } from '../state/scripts.js';
import { ThresholdsStore } from '../state/thresholds-store.js';
import { ValueModelStore } from '../state/value-model-store.js';
import { type CustomerView, customerView } from '../state/views.js';
import { AvroCodec } from './codec.js';
import { consumerLag } from './consumer-lag.js';
import { deadLetterMessage, type InputRecord, isTooLarge, oversizedDeadLetterMessage } from './dlq.js';
import { KeptBatch, type KeptRecord } from './kept-record.js';
import { OutputPublisher } from './publisher.js';
import { createSchemaRegistry, lookupSchemaIds } from './schemas.js';

export interface RunningProcessor {
  /** Resolves when every assigned partition has been read to its end and processed; rejects once stopped. */
  idle(quietMs?: number): Promise<void>;
  /**
   * Finishes the step in hand (the orders before the next thresholds tick),
   * commits, and disconnects. What was read but not processed is read again by
   * the next start.
   */
  stop(): Promise<void>;
  readonly stats: { records: number; deadLetters: number; changes: number };
  /** One customer as `rfm inspect --json` shows it; null when the state has never seen it. */
  customer(customerId: string): Promise<CustomerView | null>;
  /** The churn rate and cohort retention of the state, as `rfm report` shows them. */
  kpis(): Promise<PopulationKpis>;
}

/** What operations watch: both optional, so tests and tools can run a bare processor. */
export interface ProcessorOps {
  metrics?: Metrics;
  /** Told when the consumer joins its group and when processing fails for good; probes Redis and Kafka. */
  health?: Health;
}

export interface ProcessorOptions {
  /**
   * Send segment changes, churn-risk changes and dead letters to Kafka; false
   * builds the state only and counts what it would have sent (`rfm backfill --no-emit`).
   * @default true
   */
  emit?: boolean;
}

/**
 * Partitions with more queued records than this are paused until half of them
 * are processed. Fewer (1,000, with fetches of 256 KB) saved about 45 MB on a
 * 300,000-order bench but cost a fifth of the throughput of the default one:
 * drains of fewer records each (README, "Performance").
 */
const MAX_QUEUED = 5_000;
/** How often the consumer lag of the owned partitions is measured for the metrics. */
const LAG_INTERVAL_MS = 5_000;

export async function startProcessor(
  config: Config,
  logger: Logger,
  { metrics, health, emit = true }: ProcessorOps & ProcessorOptions = {},
): Promise<RunningProcessor> {
  const topic = config.topics.orders;
  const kafka = new Kafka({ ...kafkaClientConfig(config, kafkaLogging(logger)), retry: { retries: 10 } });
  const redis = createRedis(config, { maxRetriesPerRequest: null });
  defineScripts(redis);
  redis.on('error', (error: Error) => {
    metrics?.redisConnectionError();
    logger.warn({ err: error }, 'Redis connection error, retrying');
  });
  const registry = createSchemaRegistry(config);
  const codec = new AvroCodec(registry, await lookupSchemaIds(registry, config));

  const admin = kafka.admin();
  await admin.connect();
  const partitionCount = await partitionCountOf(admin, topic);
  // Java-compatible key hashing: a customer's outputs land where Java clients expect them.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const consumer: Consumer = kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: 45_000,
    rebalanceTimeout: 60_000,
    maxWaitTimeInMs: 200,
    // About five thousand orders: a fetch's records are queued until processed.
    maxBytesPerPartition: 512 * 1024,
  });

  const stats = { records: 0, deadLetters: 0, changes: 0 };
  /** The consumer's heartbeat, as the latest batch handed it over; a drain beats it between ticks. */
  let heartbeat: (() => Promise<void>) | null = null;
  const publisher = new OutputPublisher(producer, codec, config.topics, `rfm-stream/${config.namespace}`);
  const keys = new Keys(config.namespace);
  const timeRedis = metrics?.timeRedis.bind(metrics);
  const coordinator = new Coordinator({
    redis,
    keys,
    customers: new CustomerStore(redis, keys, topic),
    thresholdsStore: new ThresholdsStore(redis, keys, topic),
    valueModels: new ValueModelStore(redis, keys, topic),
    valueHorizonDays: config.clvHorizonDays,
    annualDiscountRate: config.clvDiscountRate,
    topic,
    partitionCount,
    windowDays: config.windowDays,
    cadenceDays: config.thresholdsCadenceDays,
    allowedLatenessDays: config.allowedLatenessDays,
    churnAfterDays: config.churnAfterDays,
    ...(config.idleAdvance ? { wallClock: Date.now } : {}),
    onLate: (partition, record) =>
      deadLetter(
        partition,
        (record.source as KeptRecord).record(record.offset),
        'LATE',
        `event day is more than ${config.allowedLatenessDays} days before the partition's clock`,
      ),
    publish: async (changes) => {
      if (emit) await publisher.publish(changes);
      stats.changes += changes.length;
      metrics?.published(changes, config.topics);
    },
    onProcessed: async (offsets) => {
      await consumer
        .commitOffsets(
          offsets.map(({ partition, offset }) => ({ topic, partition, offset: String(offset + 1) })),
        )
        .catch((error: unknown) => {
          // Never a reason to stop: the work is durable in Redis, and what is not
          // committed is committed by the retry, or read again and skipped.
          throw new RfmError('KAFKA_UNAVAILABLE', `committing offsets: ${(error as Error).message}`, {
            cause: error,
          });
        });
    },
    betweenSteps: async () => {
      await heartbeat?.();
    },
    ...(metrics && timeRedis
      ? {
          observer: {
            applied: (partition, orders, maxEventTime) => metrics.applied(partition, orders, maxEventTime),
            ticked: (seconds) => metrics.tick(seconds),
            timeRedis,
          },
        }
      : {}),
  });

  // A shutdown that gives up on the batch in hand (stuck on an unreachable Redis)
  // rejects this, so nothing waits for ever and the consumer can leave its group.
  let giveUp: (reason: Error) => void = () => undefined;
  const givenUp = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  givenUp.catch(() => undefined);
  const unlessGivenUp = <T>(work: Promise<T>): Promise<T> => Promise.race([work, givenUp]);

  /** Highest offset queued and processed per assigned partition; -1 before any. */
  const queuedUpTo = new Map<number, number>();
  let assignment: Promise<void> = Promise.resolve();
  /** A failure that retrying will not cure: the processor stops consuming and reports it. */
  let fatal: unknown = null;
  const drain = async (settle = true) => {
    try {
      await coordinator.drain({ settle });
    } catch (error) {
      metrics?.processingError(isRetriable(error));
      if (isRetriable(error)) throw error;
      fatal ??= error;
      health?.fail(error);
      logger.fatal({ err: error }, 'processing failed and cannot be retried');
    }
  };
  let assigned: number[] = [];
  let stopped = false;
  /** Partitions paused for holding too many queued records, each with what resumes it. */
  const paused = new Map<number, () => void>();
  const resumeDrained = () => {
    for (const [partition, resume] of paused) {
      if (coordinator.queuedCount(partition) > MAX_QUEUED / 2) continue;
      paused.delete(partition);
      resume();
    }
  };

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    // When: a process assigned a partition later (a newer generation) keeps it from a late claim of this one.
    const assignedAt = Date.now();
    assigned = payload.memberAssignment[topic] ?? [];
    logger.info({ partitions: assigned }, 'partitions assigned');
    metrics?.rebalanced(assigned);
    health?.joined(true);
    assignment = (async () => {
      await coordinator.assign(assigned, assignedAt);
      // Queues start empty again: nothing stays paused.
      for (const resume of paused.values()) resume();
      paused.clear();
      queuedUpTo.clear();
      await refreshCaughtUp();
    })();
    // Awaited by every batch, which fails until the consumer rejoins and assigns again.
    assignment.catch((error: unknown) =>
      logger.warn({ err: error }, 'taking the partitions failed, will retry'),
    );
  });

  consumer.on(consumer.events.REBALANCING, () => {
    // The partitions may be another's as soon as the group has rejoined: nothing more for them until assigned again.
    coordinator.standBy();
    health?.joined(false);
  });
  consumer.on(consumer.events.STOP, () => health?.joined(false));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    health?.joined(false);
    // kafkajs restarts the consumer after a retriable error; otherwise it is gone for good.
    if (!payload.restart) health?.fail(payload.error);
  });

  /**
   * Learns which assigned partitions have nothing left to read, from the broker's
   * offsets. Returns whether one was found to have reached its end.
   */
  async function refreshCaughtUp(): Promise<boolean> {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: config.groupId, topics: [topic] }),
    ]);
    const committedOf = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))] as const),
    );
    let reached = false;
    for (const partition of assigned) {
      const end = Number(ends.find((e) => e.partition === partition)?.high ?? 0);
      const position = Math.max(committedOf.get(partition) ?? 0, (queuedUpTo.get(partition) ?? -1) + 1);
      if (coordinator.queuedCount(partition) === 0) {
        reached ||= position >= end;
        coordinator.setCaughtUp(partition, position >= end);
      }
    }
    return reached;
  }

  async function toRecord(partition: number, message: KafkaMessage, kept: KeptBatch): Promise<QueuedRecord> {
    const offset = Number(message.offset);
    try {
      const event = await codec.decodeOrder(message.value);
      const admission = admit(event, {
        reportingCurrency: config.reportingCurrency,
        exchangeRates: config.exchangeRates,
        maxAmountMinor: config.maxAmountMinor,
        maxFutureMs: config.maxFutureSkewMs,
        minEventTime: 0,
        now: Date.now(),
      });
      if (admission.ok) return { offset, order: admission.order, source: kept.keep(message) };
      await deadLetter(partition, message, admission.reason, admission.message);
    } catch (error) {
      if (isRetriable(error)) throw error;
      const code = error instanceof RfmError ? error.code : 'INVALID_EVENT';
      await deadLetter(partition, message, code, (error as Error).message);
    }
    return { offset, order: null };
  }

  async function deadLetter(partition: number, message: InputRecord, reason: string, errorMessage: string) {
    stats.deadLetters += 1;
    metrics?.deadLettered(reason, config.topics.dlq);
    if (!emit) return;
    logger.warn({ topic, partition, offset: message.offset, reason }, 'record sent to the DLQ');
    const dead = { topic, partition, message, reason, errorMessage, groupId: config.groupId };
    const send = (letter: Message) =>
      producer.send({ topic: config.topics.dlq, acks: -1, messages: [{ ...letter, partition }] });
    await send(deadLetterMessage(dead)).catch((error: unknown) => {
      // Refused for good, it would stop the partition at this record on every start.
      if (!isTooLarge(error)) throw error;
      logger.warn(
        { topic, partition, offset: message.offset },
        'record too large for the DLQ: sent without it',
      );
      return send(oversizedDeadLetterMessage(dead));
    });
  }

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // A fetch's batches are queued together, and one drain takes them all.
    partitionsConsumedConcurrently: partitionCount,
    eachBatch: async ({ batch, resolveOffset, heartbeat: beat, pause }) => {
      const started = performance.now();
      heartbeat = beat;
      await unlessGivenUp(assignment);
      const { partition } = batch;
      const records: QueuedRecord[] = [];
      const kept = new KeptBatch(batch.messages);
      for (const message of batch.messages) {
        if (Number(message.offset) <= (queuedUpTo.get(partition) ?? -1)) continue;
        records.push(await toRecord(partition, message, kept));
      }
      // The records hold copies of what they need. Emptied, the batch lets its
      // messages, and the fetch response their buffers are slices of, go while
      // the drain below runs (kafkajs patched to need nothing more of them).
      batch.messages.length = 0;
      const last = records[records.length - 1];
      if (last) queuedUpTo.set(partition, last.offset);
      stats.records += records.length;
      const caughtUp = (queuedUpTo.get(partition) ?? -1) + 1 >= Number(batch.highWatermark);
      coordinator.enqueue(partition, records, caughtUp);
      for (const r of records) resolveOffset(String(r.offset));
      // Orders before the next tick need nothing from the other partitions: they go
      // first, and their part ships while the next batch is read. When the next tick
      // waits to hear from a partition, the broker's offsets tell whether it is idle.
      await unlessGivenUp(drain(false));
      if (coordinator.waitingToHear && (await refreshCaughtUp())) await unlessGivenUp(drain(false));
      await beat();
      metrics?.batch(records.length, (performance.now() - started) / 1000);
      resumeDrained();
      if (coordinator.queuedCount(partition) > MAX_QUEUED && !paused.has(partition))
        paused.set(partition, pause());
    },
  });

  // Partitions that get no batch (empty, or read to the end) still need their end noticed.
  let polling: Promise<void> = Promise.resolve();
  const poller = setInterval(() => {
    polling = unlessGivenUp(
      polling
        .then(() => assignment)
        .then(refreshCaughtUp)
        .then(() => drain())
        .then(resumeDrained),
    ).catch((error: unknown) => logger.warn({ err: error }, 'processing paused, will retry'));
  }, 1000);

  const owned = () => assigned.map((p) => new PartitionIndex(redis, keys, topic, p));
  metrics?.bind({
    clocks: () => coordinator.clocks(),
    population: async () => {
      // Not connected: fail at once, so a scrape during an outage stays fast.
      if (redis.status !== 'ready') throw new Error('Redis is not connected');
      const indexes = owned();
      const counts = await Promise.all(indexes.map((index) => index.segmentCounts()));
      const sizes = await Promise.all(indexes.map((index) => index.population()));
      const segments: Record<string, number> = {};
      for (const partitionCounts of counts)
        for (const [key, n] of Object.entries(partitionCounts)) segments[key] = (segments[key] ?? 0) + n;
      return { segments, population: sizes.reduce((a, b) => a + b, 0) };
    },
  });
  // Measured apart from processing, so lag still shows while processing is stuck.
  const lagTimer = setInterval(() => {
    if (!metrics || assigned.length === 0) return;
    consumerLag(admin, config.groupId, topic, assigned)
      .then((lags) => {
        for (const [partition, lag] of lags) metrics.lag(partition, lag);
      })
      .catch((error: unknown) => logger.debug({ err: error }, 'consumer lag not measured'));
  }, LAG_INTERVAL_MS);
  const stopProbes = health?.startProbes({
    redis: () => checkRedis(redis),
    kafka: () => admin.describeCluster(),
  });

  const scope = kpiScopeOf(config, redis, keys, partitionCount);
  return {
    stats,
    async idle(pollMs = 500) {
      for (;;) {
        if (fatal) throw fatal;
        if (stopped) throw new Error('the processor has stopped');
        // Kafka away for a while (partitions not taken, offsets not answered): ask again, as the processing waits for it.
        const offsets = await assignment
          .then(() =>
            Promise.all([
              admin.fetchTopicOffsets(topic),
              admin.fetchOffsets({ groupId: config.groupId, topics: [topic] }),
            ]),
          )
          .catch((error: unknown) => {
            if (isRetriable(error)) return null;
            throw error;
          });
        if (!offsets) {
          await new Promise((resolve) => setTimeout(resolve, pollMs));
          continue;
        }
        const [ends, committed] = offsets;
        const committedOf = new Map(
          (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
        );
        const done = ends.every((end) => {
          const high = Number(end.high);
          return high === 0 || (committedOf.get(end.partition) ?? -1) >= high;
        });
        if (done && assigned.every((p) => coordinator.queuedCount(p) === 0)) return;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    customer: (customerId) => customerView(scope, customerId),
    kpis: () => populationKpis(scope),
    async stop() {
      health?.stopping();
      stopped = true;
      coordinator.halt();
      clearInterval(poller);
      clearInterval(lagTimer);
      stopProbes?.();
      // A drain the poller or a batch started commits through the consumer, and the
      // last part of a batch's drain may still be on its way: let them finish first.
      // One stuck on an unreachable Redis is given up, uncommitted: the next owner reads it again.
      const left = polling
        .then(() => unlessGivenUp(drain()))
        .catch((error: unknown) => logger.warn({ err: error }, 'the last part was not committed'))
        .then(() => consumer.disconnect());
      if (!(await settlesWithin(left, config.shutdownTimeoutMs))) {
        logger.warn(
          { timeoutMs: config.shutdownTimeoutMs },
          'the step in hand did not finish in time: leaving it uncommitted',
        );
        giveUp(new Error('shutting down: the step in hand was given up'));
        await left;
      }
      await producer.disconnect();
      await admin.disconnect();
      redis.disconnect();
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function partitionCountOf(admin: ReturnType<Kafka['admin']>, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
    throw new RfmError('TOPIC_MISSING', `input topic ${topic} does not exist: run \`rfm topics\``, {
      cause: error,
    });
  });
  const count = topics[0]?.partitions.length ?? 0;
  if (count === 0)
    throw new RfmError('TOPIC_MISSING', `input topic ${topic} has no partitions: run \`rfm topics\``);
  return count;
}
