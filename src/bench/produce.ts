// Writes a workload to a topic: Avro in the Confluent wire format, keyed by
// customer id (Java-compatible partitioning), in large acknowledged batches so
// each partition keeps event-time order.
import { type Kafka, Partitioners } from 'kafkajs';
import type { AvroCodec } from '../stream/codec.js';
import type { OrderEvent } from '../stream/records.js';

export interface ProduceResult {
  sent: number;
  seconds: number;
  /** Orders per customer id, for the memory figures by history length. */
  ordersOf: Map<string, number>;
}

export async function produceAll(
  kafka: Kafka,
  codec: AvroCodec,
  topic: string,
  events: Iterable<OrderEvent>,
  batchSize = 10_000,
): Promise<ProduceResult> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = performance.now();
  const ordersOf = new Map<string, number>();
  let sent = 0;
  try {
    let messages: { key: string; value: Buffer }[] = [];
    const flush = async () => {
      if (messages.length === 0) return;
      await producer.send({ topic, acks: -1, messages });
      sent += messages.length;
      messages = [];
    };
    for (const event of events) {
      ordersOf.set(event.customerId, (ordersOf.get(event.customerId) ?? 0) + 1);
      messages.push({ key: event.customerId, value: codec.encodeOrder(event) });
      if (messages.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
  return { sent, seconds: (performance.now() - started) / 1000, ordersOf };
}
