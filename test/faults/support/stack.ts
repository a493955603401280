// One scenario's world: its own Kafka broker and Redis, or Redis Cluster with
// RFM_FAULT_REDIS=cluster (so it may kill them),
// the suite's schema registry, the input topic loaded with the dataset, and the
// environment a processor is configured by.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { inject } from 'vitest';
import { type Config, kafkaClientConfig, loadConfig } from '../../../src/config/config.js';
import { AvroCodec } from '../../../src/stream/codec.js';
import type { OrderEvent } from '../../../src/stream/records.js';
import { createSchemaRegistry, registerSchemas } from '../../../src/stream/schemas.js';
import { ensureTopics } from '../../../src/stream/topics.js';
import { type Dataset, generateDataset } from './dataset.js';
import { type FaultRedis, KafkaBroker, RedisCluster, RedisServer, sleep } from './services.js';

export interface FaultSuite {
  registryUrl: string;
  /** Where each scenario leaves its result row, and the clean run its outcome for the others. */
  resultsDir: string;
  /** Input events per scenario (RFM_FAULT_EVENTS). */
  events: number;
  /** Seeds the random fault points (RFM_FAULT_SEED); the dataset has its own fixed seed. */
  seed: number;
  /** Each scenario's Redis: one server, or a Redis Cluster of 3 masters (RFM_FAULT_REDIS=cluster). */
  redis: 'single' | 'cluster';
}

declare module 'vitest' {
  export interface ProvidedContext {
    faults: FaultSuite;
  }
}

export const suite = (): FaultSuite => inject('faults');

/** Partitions of the input topic: room for the three processes of the scaling scenario and more. */
export const PARTITIONS = 6;

/**
 * The input partition the suite's producer sends a keyed record to (kafkajs's
 * default, Java-compatible partitioner): what the judge needs to know which
 * orders each thresholds tick counted.
 */
export function inputPartitionOf(key: string): number {
  partitionOfKey ??= Partitioners.DefaultPartitioner();
  return partitionOfKey({
    topic: 'orders',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    })),
    message: { key, value: null },
  });
}
let partitionOfKey: ReturnType<typeof Partitioners.DefaultPartitioner> | undefined;

let cachedDataset: Dataset | undefined;
/** The suite's input: the same events in every scenario. */
export function dataset(): Dataset {
  cachedDataset ??= generateDataset(suite().events);
  return cachedDataset;
}

/** A Kafka, registry and Redis a scenario reaches by `env`, and the suite's own clients of them. */
export class StackClients {
  /** The same variables as the suite's own clients load them. */
  readonly config: Readonly<Config>;

  constructor(
    /** Where processors' logs go. */
    readonly dir: string,
    /** The variables a processor is configured by. */
    readonly env: Record<string, string>,
  ) {
    this.config = loadConfig(env, { logLevel: 'silent' });
  }

  /** A kafkajs client of the suite, configured as the processor is. */
  client(): Kafka {
    return new Kafka({
      ...kafkaClientConfig(this.config),
      clientId: 'fault-suite',
      logLevel: logLevel.NOTHING,
      retry: { retries: 5 },
    });
  }

  /** Creates the topics (as `rfm topics` does) and registers the schemas; returns the codec. */
  /** `topicConfig`: configuration entries of the input topic and the DLQ, e.g. max.message.bytes. */
  async prepareTopics(
    topicConfig: Partial<Record<'orders' | 'dlq', { name: string; value: string }[]>> = {},
  ): Promise<AvroCodec> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      // A broker just started may not serve a topic's metadata at once: creating is safe to repeat.
      for (let attempt = 1; ; attempt++) {
        try {
          await ensureTopics(admin, this.config);
          break;
        } catch (error) {
          if (attempt >= 10) throw error;
          await sleep(1_000);
        }
      }
      const resources = (['orders', 'dlq'] as const).flatMap((role) => {
        const configEntries = topicConfig[role] ?? [];
        return configEntries.length === 0 ? [] : [{ type: 2, name: this.config.topics[role], configEntries }];
      });
      if (resources.length > 0) await admin.alterConfigs({ validateOnly: false, resources });
    } finally {
      await admin.disconnect();
    }
    const registry = createSchemaRegistry(this.config);
    return new AvroCodec(registry, await registerSchemas(registry, this.config));
  }

  /** Produces records to the input topic, keyed as a shop's producer keys them. */
  async produce(
    records: { key: string | Buffer | null; value: Buffer | null; partition?: number }[],
  ): Promise<void> {
    const producer = this.client().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      for (let i = 0; i < records.length; i += 2_000) {
        await producer.send({
          topic: this.config.topics.orders,
          acks: -1,
          messages: records.slice(i, i + 2_000),
        });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** The dataset's events into the input topic. */
  async load(codec: AvroCodec, events: readonly OrderEvent[] = dataset().events): Promise<void> {
    await this.produce(events.map((e) => ({ key: e.customerId, value: codec.encodeOrder(e) })));
  }
}

/** Its own Kafka broker and Redis (or Redis Cluster), which the scenario may kill, and the suite's registry. */
export class FaultStack extends StackClients {
  private constructor(
    dir: string,
    readonly kafka: KafkaBroker,
    readonly redis: FaultRedis,
    env: Record<string, string>,
  ) {
    super(dir, env);
  }

  static async start(name: string): Promise<FaultStack> {
    const dir = mkdtempSync(join(tmpdir(), `rfm-fault-${name}-`));
    const kafka = await KafkaBroker.create(join(dir, 'kafka'));
    const redis: FaultRedis =
      suite().redis === 'cluster'
        ? await RedisCluster.create(join(dir, 'redis'))
        : await RedisServer.create(join(dir, 'redis'));
    await Promise.all([kafka.start(), redis.start()]);
    const env = {
      KAFKA_BROKERS: kafka.brokers,
      REDIS_URL: redis.url,
      ...(redis.cluster ? { REDIS_CLUSTER: 'true' } : {}),
      SCHEMA_REGISTRY_URL: suite().registryUrl,
      RFM_PARTITIONS: String(PARTITIONS),
    };
    return new FaultStack(dir, kafka, redis, env);
  }

  async stop(): Promise<void> {
    await Promise.all([this.kafka.stop(), this.redis.stop()]);
    if (process.env.RFM_FAULT_KEEP !== '1') rmSync(this.dir, { recursive: true, force: true });
  }
}
