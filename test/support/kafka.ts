// Kafka helpers for integration tests: unique names, topics, group joins and
// collecting what a topic holds.
import { randomBytes } from 'node:crypto';
import { type Consumer, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { brokers } from './stack-endpoints.js';

/** A name no earlier test run used, so tests never see each other's records. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const uniqueTopic = (prefix = 'test'): string => uniqueName(prefix);

export function testKafka(clientId = uniqueName('client')): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

export async function createTopic(kafka: Kafka, topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Resolves once the consumer has joined its group and been given partitions. */
export function waitForGroupJoin(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      removeListener();
      reject(new Error(`consumer did not join its group within ${timeoutMs} ms`));
    }, timeoutMs);
    const removeListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      removeListener();
      resolve();
    });
  });
}

export interface CollectedRecord {
  partition: number;
  message: KafkaMessage;
}

/**
 * Reads `count` records of `topic` from the beginning in a fresh consumer group,
 * failing if they do not all arrive within `timeoutMs`.
 */
export async function collectRecords(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<CollectedRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('collector'), maxWaitTimeInMs: 200 });
  const records: CollectedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`collected ${records.length} of ${count} records from ${topic} in ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records.push({ partition, message });
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * The CloudEvents id (`ce_id` header) of every record `topic` holds now, read
 * from the beginning in a fresh consumer group: what a downstream consumer that
 * drops duplicates would see.
 */
export async function collectEventIds(
  kafka: Kafka,
  topic: string,
  timeoutMs = 180_000,
): Promise<Set<string>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high) - 1]),
  );
  const ids = new Set<string>();
  if (remaining.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: uniqueName('ids'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${ids.size} ids from ${topic}, not to its end, in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              ids.add(String(message.headers?.ce_id));
              if (Number(message.offset) >= (remaining.get(batch.partition) ?? Number.POSITIVE_INFINITY))
                remaining.delete(batch.partition);
            }
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}
