// Item 5: bad records of every class mixed into the dataset (some as the very
// first record of a partition). Each that cannot count goes to the DLQ byte for
// byte with the right reason and the Kafka Connect headers; duplicates and
// refunds of unknown orders count as the domain says (once; M never below 0);
// the good orders end in the reference state; the throughput holds.
import { createHash, randomBytes } from 'node:crypto';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/domain/time.js';
import type { AvroCodec } from '../../src/stream/codec.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { createSchemaRegistry } from '../../src/stream/schemas.js';
import {
  orderSchemaRetyped,
  orderSchemaWithout,
  wideOrderType,
  wireFormat,
} from '../support/avro-writers.js';
import { uniqueName } from '../support/kafka.js';
import type { Baseline } from './support/outcome.js';
import {
  baseline,
  conclude,
  expectNoCustomerIds,
  Fleet,
  processingTimeoutMs,
  progress,
  randomFor,
} from './support/scenario.js';
import { dataset, FaultStack, PARTITIONS, suite } from './support/stack.js';

interface BadRecord {
  class: string;
  /** The DLQ reason, or null for a record that must count as the domain says instead. */
  reason: string | null;
  key: string | null;
  value: Buffer | null;
  /**
   * Set for keys kafkajs cannot hash: its murmur2 takes minutes on a 1 MB key
   * (its 64-bit arithmetic on BigInts is never truncated), so the test's producer
   * picks the partition as a shop's producer could.
   */
  partition?: number;
  /** Where it goes in the stream: 'first' before every good record, else a fraction of the way. */
  at: 'first' | number;
  /** For the records that count: the event the reference sees. */
  event?: OrderEvent;
  /** Too large for the DLQ: its dead letter has the error headers only. */
  dropped?: boolean;
}

const digest = (key: string | Buffer | null, value: Buffer | null) =>
  createHash('sha1')
    .update(key ?? '')
    .update('\u0000')
    .update(value ?? '')
    .digest('base64url');

describe('bad input of every class', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;
  let codec: AvroCodec;
  const bad: BadRecord[] = [];
  /** The events that count, in the order they were produced: the reference's input. */
  const counted: OrderEvent[] = [];
  const events = dataset().events;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('bad-input');
    // Room for a 1 MB customer id in the key and the value, on the input and the DLQ; the
    // input takes records the DLQ does not (one of 1.6 MB of id twice, with the error headers).
    const maxBytes = (bytes: number) => [{ name: 'max.message.bytes', value: String(bytes) }];
    codec = await stack.prepareTopics({ orders: maxBytes(8 << 20), dlq: maxBytes(3 << 20) });
    const registry = createSchemaRegistry(stack.config);
    const idOf = async (schema: object) =>
      (
        await registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject: `${uniqueName('legacy-producer')}-value` },
        )
      ).id;
    const missing = {
      id: await idOf(orderSchemaWithout('eventTime')),
      type: orderSchemaWithout('eventTime'),
    };
    const retyped = {
      id: await idOf(orderSchemaRetyped('amountMinor', 'string')),
      type: orderSchemaRetyped('amountMinor', 'string'),
    };

    const orderSchemaId = codec.encodeOrder(events[0] as OrderEvent).readInt32BE(1);
    const random = randomFor(5);
    const perClass = Math.max(3, Math.round(suite().events / 2_000));
    /** A good event and where it is in the stream: what reaches the processor's clock goes near its own time. */
    let picked = 0;
    const pick = () => {
      picked = Math.floor(random() * events.length);
      return events[picked] as OrderEvent;
    };
    /**
     * A place just after the good event at `index`, within a day of its time: a
     * redelivery comes soon after the original, not beyond the allowed lateness
     * (where it is LATE, as any order that old is).
     */
    const soonAfter = (index: number) => {
      const time = (events[index] as OrderEvent).eventTime;
      let last = index + 1;
      while (
        last < Math.min(events.length, index + 50) &&
        (events[last] as OrderEvent).eventTime <= time + DAY_MS
      )
        last += 1;
      return index + 1 + Math.floor(random() * (last - index));
    };
    let serial = 0;
    const variant = (over: Partial<OrderEvent>): OrderEvent => {
      serial += 1;
      return { ...pick(), eventId: `bad-${serial}`, orderId: `bad-${serial}`, ...over };
    };
    const add = (
      cls: string,
      reason: string | null,
      count: number,
      make: (i: number) => Omit<BadRecord, 'class' | 'reason' | 'at'> & { at?: BadRecord['at'] },
    ) => {
      for (let i = 0; i < count; i++) {
        const record = make(i);
        bad.push({ class: cls, reason, at: soonAfter(picked) / events.length, ...record });
      }
    };
    const encoded = (event: OrderEvent) => ({ key: event.customerId, value: codec.encodeOrder(event) });

    // The very first records of the topic, landing first on their partitions: no tick may come of them.
    add('random bytes (at a partition start)', 'NOT_AVRO', 3, (i) => ({
      key: `start-${i}`,
      value: Buffer.concat([Buffer.from([1 + i]), randomBytes(20)]),
      at: 'first',
    }));
    add('random bytes', 'NOT_AVRO', perClass, () => ({
      key: pick().customerId,
      value: Buffer.concat([
        Buffer.from([1 + Math.floor(random() * 255)]),
        randomBytes(1 + Math.floor(random() * 300)),
      ]),
    }));
    add('empty value (tombstone)', 'NOT_AVRO', perClass, () => ({ key: pick().customerId, value: null }));
    add('wrong magic byte', 'NOT_AVRO', perClass, () => {
      const { key, value } = encoded(variant({}));
      value[0] = 1;
      return { key, value };
    });
    add('unknown schema id', 'UNKNOWN_SCHEMA', perClass, () => {
      const { key, value } = encoded(variant({}));
      return { key, value: wireFormat(900_000 + Math.floor(random() * 90_000), value.subarray(5)) };
    });
    add('missing required field (eventTime)', 'INVALID_EVENT', perClass, () => {
      const event = variant({});
      const { eventTime: _t, ...rest } = event;
      return {
        key: event.customerId,
        value: wireFormat(missing.id, avro.Type.forSchema(missing.type as never).toBuffer(rest)),
      };
    });
    add('wrong type (amountMinor a string)', 'INVALID_EVENT', perClass, () => {
      const event = variant({});
      const body = avro.Type.forSchema(retyped.type as never).toBuffer({ ...event, amountMinor: '12.50' });
      return { key: event.customerId, value: wireFormat(retyped.id, body) };
    });
    add('truncated record', 'INVALID_EVENT', perClass, () => {
      const { key, value } = encoded(variant({}));
      return { key, value: value.subarray(0, 5 + Math.floor(random() * (value.length - 6))) };
    });
    add('empty event id', 'INVALID_EVENT', perClass, () => encoded(variant({ eventId: '' })));
    add('negative amount', 'AMOUNT_OUT_OF_RANGE', perClass, () =>
      encoded(variant({ amountMinor: -1 - Math.floor(random() * 10_000) })),
    );
    add('amount overflow (beyond 2^53, 64-bit producer)', 'AMOUNT_OUT_OF_RANGE', perClass, () => {
      const event = variant({});
      const body = wideOrderType.toBuffer({
        ...event,
        amountMinor: 2n ** 62n + BigInt(serial),
        eventTime: BigInt(event.eventTime),
      });
      return { key: event.customerId, value: wireFormat(orderSchemaId, body) };
    });
    add('absurd amount (10^12 cents)', 'AMOUNT_OUT_OF_RANGE', perClass, () =>
      encoded(variant({ amountMinor: 1e12 })),
    );
    add('unknown currency', 'UNKNOWN_CURRENCY', perClass, () => encoded(variant({ currency: 'XYZ' })));
    add('far-future timestamp', 'FUTURE_TIMESTAMP', perClass, () =>
      encoded(variant({ eventTime: Date.now() + (30 + Math.floor(random() * 3_000)) * DAY_MS })),
    );
    add('far-past timestamp (1900)', 'PAST_TIMESTAMP', perClass, () =>
      encoded(variant({ eventTime: Date.UTC(1900, 0, 1) })),
    );
    add('zeroed timestamp', 'PAST_TIMESTAMP', perClass, () => encoded(variant({ eventTime: 0 })));
    add('order too late (60 days behind its partition)', 'LATE', perClass, () => {
      const at = 0.2 + 0.7 * random();
      const neighbour = events[Math.floor(at * events.length)] as OrderEvent;
      const event = variant({
        customerId: neighbour.customerId,
        eventTime: neighbour.eventTime - 60 * DAY_MS,
      });
      return { ...encoded(event), at };
    });
    add('empty customer id', 'INVALID_CUSTOMER_ID', perClass, () => ({
      key: '',
      value: codec.encodeOrder(variant({ customerId: '' })),
    }));
    add('customer id with a hash tag', 'INVALID_CUSTOMER_ID', perClass, () =>
      encoded(variant({ customerId: `x{${serial}}` })),
    );
    add('1 MB customer id', 'INVALID_CUSTOMER_ID', 3, (i) => ({
      ...encoded(variant({ customerId: `${'x'.repeat(1 << 20)}${i}` })),
      partition: i % PARTITIONS,
    }));
    add('record too large for the DLQ (1.6 MB customer id)', 'INVALID_CUSTOMER_ID', 2, (i) => ({
      ...encoded(variant({ customerId: `${'y'.repeat(1_600_000)}${i}` })),
      partition: (i + 3) % PARTITIONS,
      dropped: true,
    }));
    // Not bad for the domain: counted once, and a refund whatever its order (M never below 0).
    add('duplicate event id (a redelivery)', null, perClass, () => {
      const event = pick();
      return { ...encoded(event), event };
    });
    add('refund for an unknown order', null, perClass, (i) => {
      const event = variant({
        kind: 'REFUND',
        orderId: `no-such-order-${i}`,
        amountMinor: 1 + Math.floor(random() * 50_000),
      });
      return { ...encoded(event), event };
    });
    add('refund for an unknown order of an unknown customer', null, perClass, (i) => {
      const event = variant({
        kind: 'REFUND',
        customerId: `cst9${String(i).padStart(5, '0')}`,
        orderId: `none-${i}`,
      });
      return { ...encoded(event), event };
    });

    // The stream: the first records, then the good events with the rest placed among them.
    const placed = [...bad]
      .filter((b) => b.at !== 'first')
      .map((b) => ({ b, index: Math.floor((b.at as number) * events.length) }))
      .sort((x, y) => x.index - y.index);
    type Produced = { key: string | null; value: Buffer | null; partition?: number };
    const asRecord = ({ key, value, partition, event }: BadRecord): Produced => {
      if (event) counted.push(event);
      return partition === undefined ? { key, value } : { key, value, partition };
    };
    const stream: Produced[] = bad.filter((b) => b.at === 'first').map(asRecord);
    // A record placed at a good event's index goes just before it.
    let next = 0;
    events.forEach((event, i) => {
      while (next < placed.length && (placed[next] as { index: number }).index <= i)
        stream.push(asRecord((placed[next++] as { b: BadRecord }).b));
      stream.push({ key: event.customerId, value: codec.encodeOrder(event) });
      counted.push(event);
    });
    while (next < placed.length) stream.push(asRecord((placed[next++] as { b: BadRecord }).b));
    await stack.produce(stream);
    progress(
      `bad input: ${bad.length} bad records of ${new Set(bad.map((b) => b.class)).size} classes among ${events.length} events`,
    );
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it('sends each to the DLQ with its reason, counts the rest as the domain says, and keeps its throughput', async () => {
    const started = Date.now();
    const processor = await fleet.start();
    await processor.finished(processingTimeoutMs());
    const seconds = (Date.now() - started) / 1000;
    const throughput = events.length / seconds;

    const dead = await collectDlq(stack);
    const dlqBound = bad.filter((b) => b.reason !== null);
    const missing: string[] = [];
    const wrongReason: string[] = [];
    for (const b of dlqBound) {
      // Two bad records may be the same bytes (tombstones of one customer): each takes one DLQ record.
      // One too large for the DLQ comes without key and value, and says where it is instead.
      const found = dead.get(b.dropped ? digest(null, null) : digest(b.key, b.value))?.pop();
      if (!found) missing.push(b.class);
      else if (found.reason !== b.reason) wrongReason.push(`${b.class}: ${found.reason} (want ${b.reason})`);
      else {
        expect(found.connect, b.class).toEqual({ topic: stack.config.topics.orders, hasMessage: true });
        expect(found.dropped, b.class).toMatch(b.dropped ? /partition \d+ offset \d+/ : /^$/);
      }
    }
    expect({ missing, wrongReason }).toEqual({ missing: [], wrongReason: [] });
    const extra = await Promise.all(
      [...dead.values()].flat().map(async (d) => {
        const event = await codec.decodeOrder(d.value).catch(() => null);
        return `${d.reason} at ${d.origin} (event ${event?.eventId})`;
      }),
    );
    expect(extra, 'records in the DLQ beyond the bad ones').toEqual([]);

    const classes = new Set(bad.map((b) => b.class));
    // Refunds of unknown orders add state and changes the clean run has not: the reference alone judges.
    await conclude(
      stack,
      null,
      {
        order: 5,
        fault: `bad input: ${classes.size} classes, ${bad.length} records`,
        runs: fleet.runs,
        recoverySeconds: [],
        seconds,
        notes: `${dlqBound.length} to the DLQ with the right reason, ${bad.length - dlqBound.length} counted as the domain says; ${throughput.toFixed(0)} good events/s against ${expected.throughput.toFixed(0)} clean`,
      },
      // The reference sees the good events and the ones that count, in the order produced.
      counted,
    );
    expectNoCustomerIds(fleet.logs());
    expect(throughput, 'good events per second against the clean run').toBeGreaterThan(
      0.7 * expected.throughput,
    );
  });
});

interface DeadRecord {
  reason: string;
  connect: { topic: string; hasMessage: boolean };
  /** Where the record was read and why it was refused, for a failure's message. */
  origin: string;
  /** What a dead letter too large for the DLQ left out, and where the record is. */
  dropped: string;
  value: Buffer | null;
}

/** Every DLQ record: its reason and Kafka Connect headers, by digest of key and value. */
async function collectDlq(stack: FaultStack, timeoutMs = 300_000): Promise<Map<string, DeadRecord[]>> {
  const kafka = stack.client();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(stack.config.topics.dlq);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > 0).map((e) => [e.partition, Number(e.high) - 1]),
  );
  const found = new Map<string, DeadRecord[]>();
  if (remaining.size === 0) return found;
  const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader'), maxBytesPerPartition: 16 << 20 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: stack.config.topics.dlq, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`DLQ not read to its end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const last = remaining.get(partition);
            if (last === undefined || Number(message.offset) > last) return;
            const header = (name: string) => message.headers?.[name]?.toString() ?? '';
            const key = digest(message.key, message.value);
            found.set(key, [
              ...(found.get(key) ?? []),
              {
                reason: header('rfm.dlq.reason'),
                connect: {
                  topic: header('__connect.errors.topic'),
                  hasMessage: header('__connect.errors.exception.message').length > 0,
                },
                dropped: header('rfm.dlq.dropped'),
                origin: `partition ${header('__connect.errors.partition')} offset ${header('__connect.errors.offset')}: ${header('__connect.errors.exception.message').slice(0, 200)}`,
                value: message.value,
              },
            ]);
            if (Number(message.offset) === last) remaining.delete(partition);
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
  return found;
}
