// Reads the segment-change and churn-risk topics as a downstream consumer would,
// from given offsets on, decoding each record: what `rfm demo` shows scrolling by.
import { type Admin, type Consumer, Kafka } from 'kafkajs';
import { type Config, kafkaClientConfig } from '../config/config.js';
import type { ChurnRiskChange, SegmentChange } from '../domain/changes.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { AvroCodec } from './codec.js';
import { createSchemaRegistry } from './schemas.js';

export type FedChange =
  | { kind: 'segment'; change: SegmentChange }
  | { kind: 'churn'; change: ChurnRiskChange };

export interface OutputFeed {
  stop(): Promise<void>;
}

/** Where each output topic ends now: a feed started there shows only what comes next. */
export async function outputEnds(
  admin: Admin,
  topics: Pick<Config['topics'], 'segmentChanges' | 'churnRisk'>,
) {
  return {
    segmentChanges: await admin.fetchTopicOffsets(topics.segmentChanges),
    churnRisk: await admin.fetchTopicOffsets(topics.churnRisk),
  };
}

/**
 * Consumes the output topics in a throwaway consumer group starting at `from`,
 * calling `onChange` for every record; the group is deleted again on stop.
 */
export async function startOutputFeed(
  config: Readonly<Config>,
  from: Awaited<ReturnType<typeof outputEnds>>,
  onChange: (change: FedChange) => void,
  logger: Logger,
): Promise<OutputFeed> {
  const kafka = new Kafka(kafkaClientConfig(config, kafkaLogging(logger)));
  const registry = createSchemaRegistry(config);
  const codec = AvroCodec.forReading(registry);
  const groupId = `${config.groupId}.feed.${process.pid}.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [config.topics.segmentChanges, config.topics.churnRisk] });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === config.topics.segmentChanges) {
        onChange({ kind: 'segment', change: await codec.decodeSegmentChange(message.value) });
      } else {
        onChange({ kind: 'churn', change: await codec.decodeChurnRisk(message.value) });
      }
    },
  });
  // Placed by seeking, which applies as partitions are assigned: admin.setOffsets
  // would first join and leave the group, seconds before the first change shows.
  for (const role of ['segmentChanges', 'churnRisk'] as const) {
    for (const p of from[role])
      consumer.seek({ topic: config.topics[role], partition: p.partition, offset: p.high });
  }
  return {
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
