// `rfm run`: the consumer group that reads orders, the producer of outputs and
// dead letters, and the coordinator between them. Offsets are committed only
// after the state and the outputs of the records before them are durable.
import { Redis } from 'ioredis';
import { type Consumer, Kafka, type KafkaMessage, Partitioners, type Producer } from 'kafkajs';
import { type Config, kafkaClientConfig, redisOptions } from '../config/config.js';
import { admit } from '../domain/admission.js';
import { isRetriable, RfmError } from '../errors.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { Coordinator, type QueuedRecord } from '../processor/coordinator.js';
import { CustomerStore } from '../state/customer-store.js';
import { Keys } from '../state/keys.js';
import { defineScripts } from '../state/scripts.js';
import { ThresholdsStore } from '../state/thresholds-store.js';
import { AvroCodec } from './codec.js';
import { deadLetterMessage } from './dlq.js';
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
}

export interface ProcessorOptions {
  /**
   * Send segment changes, churn-risk changes and dead letters to Kafka; false
   * builds the state only and counts what it would have sent (`rfm backfill --no-emit`).
   * @default true
   */
  emit?: boolean;
}

/** Partitions with more queued records than this are paused until the coordinator catches up. */
const MAX_QUEUED = 20_000;

export async function startProcessor(
  config: Config,
  logger: Logger,
  { emit = true }: ProcessorOptions = {},
): Promise<RunningProcessor> {
  const topic = config.topics.orders;
  const kafka = new Kafka({ ...kafkaClientConfig(config, kafkaLogging(logger)), retry: { retries: 10 } });
  const redis = new Redis({ ...redisOptions(config), maxRetriesPerRequest: null });
  defineScripts(redis);
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
    maxBytesPerPartition: 4 * 1024 * 1024,
  });

  const stats = { records: 0, deadLetters: 0, changes: 0 };
  const publisher = new OutputPublisher(producer, codec, config.topics, `rfm-stream/${config.namespace}`);
  const keys = new Keys(config.namespace);
  const coordinator = new Coordinator({
    redis,
    keys,
    customers: new CustomerStore(redis, keys),
    thresholdsStore: new ThresholdsStore(redis, keys, topic),
    topic,
    partitionCount,
    windowDays: config.windowDays,
    cadenceDays: config.thresholdsCadenceDays,
    allowedLatenessDays: config.allowedLatenessDays,
    onLate: (partition, record) =>
      deadLetter(
        partition,
        record.source as KafkaMessage,
        'LATE',
        `event day is more than ${config.allowedLatenessDays} days before the partition's clock`,
      ),
    publish: async (changes) => {
      if (emit) await publisher.publish(changes);
      stats.changes += changes.length;
    },
    onProcessed: async (partition, offset) => {
      await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
    },
  });

  /** Highest offset queued and processed per assigned partition; -1 before any. */
  const queuedUpTo = new Map<number, number>();
  let assignment: Promise<void> = Promise.resolve();
  /** A failure that retrying will not cure: the processor stops consuming and reports it. */
  let fatal: unknown = null;
  const drain = async () => {
    try {
      await coordinator.drain();
    } catch (error) {
      if (isRetriable(error)) throw error;
      fatal ??= error;
      logger.fatal({ err: error }, 'processing failed and cannot be retried');
    }
  };
  let assigned: number[] = [];
  let stopped = false;

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assigned = payload.memberAssignment[topic] ?? [];
    logger.info({ partitions: assigned }, 'partitions assigned');
    assignment = (async () => {
      await coordinator.assign(assigned);
      queuedUpTo.clear();
      await refreshCaughtUp();
    })();
  });

  /** Learns which assigned partitions have nothing left to read, from the broker's offsets. */
  async function refreshCaughtUp(): Promise<void> {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: config.groupId, topics: [topic] }),
    ]);
    const committedOf = new Map(
      (committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))] as const),
    );
    for (const partition of assigned) {
      const end = Number(ends.find((e) => e.partition === partition)?.high ?? 0);
      const position = Math.max(committedOf.get(partition) ?? 0, (queuedUpTo.get(partition) ?? -1) + 1);
      if (coordinator.queuedCount(partition) === 0) coordinator.setCaughtUp(partition, position >= end);
    }
  }

  async function toRecord(partition: number, message: KafkaMessage): Promise<QueuedRecord> {
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
      if (admission.ok) return { offset, order: admission.order, source: message };
      await deadLetter(partition, message, admission.reason, admission.message);
    } catch (error) {
      if (isRetriable(error)) throw error;
      const code = error instanceof RfmError ? error.code : 'INVALID_EVENT';
      await deadLetter(partition, message, code, (error as Error).message);
    }
    return { offset, order: null };
  }

  async function deadLetter(partition: number, message: KafkaMessage, reason: string, errorMessage: string) {
    stats.deadLetters += 1;
    if (!emit) return;
    logger.warn({ topic, partition, offset: message.offset, reason }, 'record sent to the DLQ');
    await producer.send({
      topic: config.topics.dlq,
      acks: -1,
      messages: [
        {
          ...deadLetterMessage({ topic, partition, message, reason, errorMessage, groupId: config.groupId }),
          partition,
        },
      ],
    });
  }

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, pause }) => {
      await assignment;
      const { partition } = batch;
      const records: QueuedRecord[] = [];
      for (const message of batch.messages) {
        if (Number(message.offset) <= (queuedUpTo.get(partition) ?? -1)) continue;
        records.push(await toRecord(partition, message));
      }
      const last = records[records.length - 1];
      if (last) queuedUpTo.set(partition, last.offset);
      stats.records += records.length;
      const caughtUp = (queuedUpTo.get(partition) ?? -1) + 1 >= Number(batch.highWatermark);
      coordinator.enqueue(partition, records, caughtUp);
      for (const r of records) resolveOffset(String(r.offset));
      await refreshCaughtUp();
      await drain();
      await heartbeat();
      if (coordinator.queuedCount(partition) > MAX_QUEUED) {
        const resume = pause();
        setTimeout(resume, 1000);
      }
    },
  });

  // Partitions that get no batch (empty, or read to the end) still need their end noticed.
  let polling: Promise<void> = Promise.resolve();
  const poller = setInterval(() => {
    polling = polling
      .then(() => assignment)
      .then(refreshCaughtUp)
      .then(drain)
      .catch((error: unknown) => logger.warn({ err: error }, 'processing paused, will retry'));
  }, 1000);

  return {
    stats,
    async idle(pollMs = 500) {
      for (;;) {
        if (fatal) throw fatal;
        if (stopped) throw new Error('the processor has stopped');
        await assignment;
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId: config.groupId, topics: [topic] }),
        ]);
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
    async stop() {
      stopped = true;
      coordinator.halt();
      clearInterval(poller);
      // A drain the poller started commits through the consumer: let it finish first.
      await polling;
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
      redis.disconnect();
    },
  };
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
