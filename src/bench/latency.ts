// The latency run: orders produced at a steady rate into a topic a running
// processor reads, and the time from producing each order to its first segment
// change arriving on the output topic, as a downstream consumer sees it.
import type { Kafka } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { AvroCodec } from '../stream/codec.js';
import type { OrderEvent } from '../stream/records.js';

export interface LatencyResult {
  /** Orders per second asked for, and achieved. */
  targetRate: number;
  achievedRate: number;
  orders: number;
  /** Orders that caused a segment change, each measured once (its first change). */
  measured: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface LatencyOptions {
  kafka: Kafka;
  codec: AvroCodec;
  ordersTopic: string;
  segmentChangesTopic: string;
  /** Orders per second. */
  rate: number;
  seconds: number;
  /** The orders to send, in order; as many are taken as the rate and duration need. */
  events: Iterator<OrderEvent>;
  /** Resolves once the processor has processed everything produced so far. */
  caughtUp: () => Promise<void>;
}

/** How often a slice of orders is sent: the rate is kept per slice, not per order. */
const SLICE_MS = 10;

export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { kafka, codec } = options;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = kafka.consumer({
    groupId: `${options.segmentChangesTopic}.bench-reader`,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.segmentChangesTopic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const change = (await codec.decodeSegmentChange(message.value)) as {
          customerId: string;
          eventTime: number;
          cause: string;
        };
        if (change.cause !== 'ORDER' && change.cause !== 'REFUND') continue;
        const key = `${change.customerId}|${change.eventTime}`;
        const sent = sentAt.get(key);
        if (sent === undefined) continue;
        sentAt.delete(key);
        latencies.push(now - sent);
      }
    },
  });
  await joined;

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = Date.now();
  let orders = 0;
  for (;;) {
    const elapsed = Date.now() - started;
    if (elapsed >= options.seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * options.rate) - orders;
    const messages: { key: string; value: Buffer }[] = [];
    const keys: string[] = [];
    for (let i = 0; i < due; i++) {
      const next = options.events.next();
      if (next.done) break;
      const event = next.value;
      messages.push({ key: event.customerId, value: codec.encodeOrder(event) });
      keys.push(`${event.customerId}|${event.eventTime}`);
    }
    if (messages.length > 0) {
      const now = Date.now();
      for (const key of keys) sentAt.set(key, now);
      await producer.send({ topic: options.ordersTopic, acks: -1, messages });
      orders += messages.length;
    }
    await new Promise((resolve) => setTimeout(resolve, SLICE_MS));
  }
  const seconds = (Date.now() - started) / 1000;
  await producer.disconnect();
  await options.caughtUp();
  // The last changes are on their way to the reader.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await consumer.disconnect();

  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length === 0
      ? null
      : (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number);
  return {
    targetRate: options.rate,
    achievedRate: orders / seconds,
    orders,
    measured: latencies.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.length === 0 ? null : (latencies[latencies.length - 1] as number),
  };
}
