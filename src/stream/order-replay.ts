// Reads every order the input topic holds now, from its first offset to the
// end offsets seen at the start, through the same decoding and admission as the
// processor. A throwaway consumer group that commits nothing does the reading,
// so no other group's position moves.
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer } from 'kafkajs';
import type { Config } from '../config/config.js';
import { admit } from '../domain/admission.js';
import type { Order } from '../domain/order.js';
import { isRetriable } from '../errors.js';
import type { Logger } from '../ops/logger.js';
import { AvroCodec } from './codec.js';
import { connect, createKafka } from './kafka.js';
import { createSchemaRegistry } from './schemas.js';

export interface ReplayCounts {
  /** Records read. */
  records: number;
  /** Orders admitted. */
  orders: number;
  /** Records the processor would send to the DLQ. */
  rejected: number;
}

export interface ReplayOptions {
  /** Called with the records read so far and the total to read. */
  onProgress?: (read: number, total: number) => void;
}

export async function replayOrders(
  config: Readonly<Config>,
  logger: Logger,
  onOrder: (order: Order) => void,
  options: ReplayOptions = {},
): Promise<ReplayCounts> {
  const topic = config.topics.orders;
  const kafka = createKafka(config, logger);
  const registry = createSchemaRegistry(config);
  const codec = AvroCodec.forReading(registry);
  const admin: Admin = await connect(kafka.admin(), config);
  const groupId = `${config.groupId}-replay-${randomUUID()}`;
  let consumer: Consumer | null = null;
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [
        p.partition,
        { low: Number(p.low), high: Number(p.high) },
      ]),
    );
    const total = [...ends.values()].reduce((sum, e) => sum + e.high - e.low, 0);
    const counts: ReplayCounts = { records: 0, orders: 0, rejected: 0 };
    const unfinished = new Set([...ends].filter(([, e]) => e.high > e.low).map(([p]) => p));
    if (unfinished.size === 0) return counts;
    consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 200 });
    await connect(consumer, config);
    await consumer.subscribe({ topic, fromBeginning: true });
    const now = Date.now();
    await new Promise<void>((resolve, reject) => {
      consumer
        ?.run({
          autoCommit: false,
          eachBatch: async ({ batch, heartbeat }) => {
            const end = ends.get(batch.partition)?.high ?? 0;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset >= end) break;
              counts.records++;
              try {
                const admission = admit(await codec.decodeOrder(message.value), {
                  reportingCurrency: config.reportingCurrency,
                  exchangeRates: config.exchangeRates,
                  maxAmountMinor: config.maxAmountMinor,
                  maxFutureMs: config.maxFutureSkewMs,
                  minEventTime: 0,
                  now,
                });
                if (admission.ok) {
                  counts.orders++;
                  onOrder(admission.order);
                } else counts.rejected++;
              } catch (error) {
                if (isRetriable(error)) throw error;
                counts.rejected++;
              }
              if (offset + 1 >= end) unfinished.delete(batch.partition);
            }
            options.onProgress?.(counts.records, total);
            await heartbeat();
            if (unfinished.size === 0) resolve();
          },
        })
        .catch(reject);
    });
    return counts;
  } finally {
    await consumer?.disconnect();
    await admin.deleteGroups([groupId]).catch((error: unknown) => {
      logger.debug({ err: error, groupId }, 'could not delete the replay group');
    });
    await admin.disconnect();
  }
}
