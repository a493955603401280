// Opens the state of the configured namespace and input topic for the
// read-only commands: a Redis connection and the topic's partition count. A
// namespace whose live pointer names another (after `rfm backfill --promote`)
// opens that one, the state its processor writes.
import { Redis } from 'ioredis';
import { Kafka } from 'kafkajs';
import { type Config, kafkaClientConfig, redisOptions } from '../config/config.js';
import { RfmError } from '../errors.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { Keys } from '../state/keys.js';
import { type KpiScope, kpiScopeOf } from '../state/kpi-view.js';
import { LivePointer } from '../state/live-pointer.js';

export async function openStateScope(
  config: Readonly<Config>,
  logger: Logger,
): Promise<KpiScope & { close(): void }> {
  const admin = new Kafka(kafkaClientConfig(config, kafkaLogging(logger))).admin();
  await admin.connect();
  let partitionCount = 0;
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [config.topics.orders] });
    partitionCount = topics[0]?.partitions.length ?? 0;
  } catch (error) {
    throw new RfmError(
      'TOPIC_MISSING',
      `input topic ${config.topics.orders} does not exist: run \`rfm topics\``,
      {
        cause: error,
      },
    );
  } finally {
    await admin.disconnect();
  }
  const redis = new Redis({ ...redisOptions(config), maxRetriesPerRequest: 3 });
  const live = await new LivePointer(redis, new Keys(config.namespace)).read();
  return {
    ...kpiScopeOf(config, redis, new Keys(live.namespace), partitionCount),
    close: () => redis.disconnect(),
  };
}
