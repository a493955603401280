// Sending order events to the orders topic in batches, keyed by customer id so
// that each customer's events share a partition and keep their order.
import type { Producer } from 'kafkajs';
import { RfmError } from '../errors.js';
import type { AvroCodec } from '../stream/codec.js';
import type { OrderEvent } from '../stream/records.js';

export interface SendOptions {
  /** Records per produce request. */
  batchSize: number;
  /** Called after each acknowledged batch with the events sent so far. */
  onProgress?: (sent: number) => void;
}

/**
 * Sends every event, one batch at a time: a batch is acknowledged by all in-sync
 * replicas before the next is sent, so order holds across batches too.
 * @returns the number of events sent.
 */
export async function sendOrders(
  producer: Producer,
  codec: AvroCodec,
  topic: string,
  events: readonly OrderEvent[],
  options: SendOptions,
): Promise<number> {
  let sent = 0;
  for (let start = 0; start < events.length; start += options.batchSize) {
    const batch = events.slice(start, start + options.batchSize);
    // The record timestamp stays the send time: a 1997 timestamp would put the
    // records past the topic's retention and the broker would delete them.
    const messages = batch.map((event) => ({ key: event.customerId, value: codec.encodeOrder(event) }));
    try {
      await producer.send({ topic, acks: -1, messages });
    } catch (error) {
      throw new RfmError(
        'KAFKA_UNAVAILABLE',
        `sending events ${start + 1}-${start + batch.length} to ${topic} failed after ${sent} were sent: ${(error as Error).message}`,
        { cause: error, retriable: (error as { retriable?: boolean }).retriable === true },
      );
    }
    sent += batch.length;
    options.onProgress?.(sent);
  }
  return sent;
}
