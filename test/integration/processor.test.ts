// `rfm run` end to end on a small topic: good orders become state and segment
// changes with CloudEvents headers; every class of bad record goes to the DLQ
// byte for byte with its reason, and the processor carries on.
import { Redis } from 'ioredis';
import type { IHeaders } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../src/domain/segments.js';
import { DAY_MS } from '../../src/domain/time.js';
import { Keys } from '../../src/state/keys.js';
import { customerView, populationReport, type StateScope } from '../../src/state/views.js';
import { AvroCodec } from '../../src/stream/codec.js';
import { startProcessor } from '../../src/stream/processor-runner.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { createSchemaRegistry } from '../../src/stream/schemas.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { collectRecords, testKafka, uniqueName } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { setUpTopics } from '../support/topics.js';

const DAY0 = Date.UTC(2025, 2, 1, 12);
const header = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString();

describe('rfm run on a small topic', () => {
  const config = testConfig('proc', { topics: { partitions: 2 } });
  const redis = new Redis(stackEndpoints().redisUrl);
  const kafka = testKafka();
  let codec: AvroCodec;
  const bad: { reason: string; value: Buffer }[] = [];

  beforeAll(async () => {
    codec = new AvroCodec(createSchemaRegistry(config), await setUpTopics(config));
    const order = (over: Partial<OrderEvent>): OrderEvent => ({
      eventId: uniqueName('e'),
      customerId: 'alice',
      orderId: uniqueName('o'),
      kind: 'PURCHASE',
      amountMinor: 2_500,
      currency: 'USD',
      eventTime: DAY0,
      quantity: null,
      ...over,
    });
    const good = [
      order({ customerId: 'alice' }),
      order({ customerId: 'bob', amountMinor: 900 }),
      order({ customerId: 'alice', eventTime: DAY0 + 3 * DAY_MS }),
    ];
    bad.push(
      { reason: 'NOT_AVRO', value: Buffer.from('definitely not avro') },
      { reason: 'UNKNOWN_SCHEMA', value: Buffer.from([0, 0, 0x0f, 0x42, 0x3f, 1, 2, 3]) },
      {
        reason: 'UNKNOWN_CURRENCY',
        value: codec.encodeOrder(order({ currency: 'XYZ', eventTime: DAY0 + DAY_MS })),
      },
      {
        reason: 'AMOUNT_OUT_OF_RANGE',
        value: codec.encodeOrder(order({ amountMinor: -5, eventTime: DAY0 + DAY_MS })),
      },
      {
        reason: 'FUTURE_TIMESTAMP',
        value: codec.encodeOrder(order({ eventTime: Date.now() + 400 * DAY_MS })),
      },
      {
        reason: 'INVALID_CUSTOMER_ID',
        value: codec.encodeOrder(order({ customerId: '', eventTime: DAY0 + DAY_MS })),
      },
    );
    const producer = kafka.producer();
    await producer.connect();
    // Bad records between the good ones, all on the same partition as alice's orders.
    await producer.send({
      topic: config.topics.orders,
      messages: [
        { key: 'alice', value: codec.encodeOrder(good[0] as OrderEvent) },
        { key: 'bob', value: codec.encodeOrder(good[1] as OrderEvent) },
        ...bad.map((b) => ({ key: 'alice', value: b.value })),
        { key: 'alice', value: codec.encodeOrder(good[2] as OrderEvent) },
      ],
    });
    await producer.disconnect();
    const processor = await startProcessor(config, pino({ level: 'silent' }));
    await processor.idle();
    await processor.stop();
  }, 120_000);

  afterAll(async () => {
    await dropNamespace(redis, config.namespace);
    redis.disconnect();
  });

  const scope = (): StateScope => ({
    redis,
    keys: new Keys(config.namespace),
    topic: config.topics.orders,
    partitionCount: 2,
    windowDays: config.windowDays,
    clvHorizonDays: config.clvHorizonDays,
    clvDiscountRate: config.clvDiscountRate,
  });

  it('sends every bad record to the DLQ, byte for byte, with Kafka Connect error headers', async () => {
    const dead = await collectRecords(kafka, config.topics.dlq, bad.length, 30_000);
    const byReason = new Map(dead.map((d) => [header(d.message.headers, 'rfm.dlq.reason'), d.message]));
    for (const { reason, value } of bad) {
      const message = byReason.get(reason);
      expect(message, reason).toBeDefined();
      expect(message?.value?.equals(value), `${reason} value`).toBe(true);
      expect(header(message?.headers, '__connect.errors.topic')).toBe(config.topics.orders);
      expect(header(message?.headers, '__connect.errors.exception.class.name')).toBe(
        `io.rfmstream.${reason}`,
      );
      expect(header(message?.headers, '__connect.errors.exception.message')?.length).toBeGreaterThan(0);
      // After alice's first order on her partition.
      expect(Number(header(message?.headers, '__connect.errors.offset'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('keeps processing past bad records: the order after them is in the state', async () => {
    const alice = await customerView(scope(), 'alice');
    expect(alice?.facts).toMatchObject({ f: 2, m: 5_000, r: 0, lifetimeTransactions: 2 });
    const bob = await customerView(scope(), 'bob');
    expect(bob?.facts).toMatchObject({ f: 1, m: 900, r: 3 });
    expect(await customerView(scope(), 'nobody')).toBeNull();
  });

  it('publishes segment changes as Avro with CloudEvents headers, ending in the stored segments', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(config.topics.segmentChanges);
    await admin.disconnect();
    const count = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    expect(count).toBeGreaterThan(0);
    const records = await collectRecords(kafka, config.topics.segmentChanges, count, 30_000);
    const latest = new Map<string, string>();
    for (const { message } of records) {
      const change = await codec.decodeSegmentChange(message.value);
      expect(message.key?.toString()).toBe(change.customerId);
      expect(header(message.headers, 'ce_id')).toBe(change.eventId);
      expect(header(message.headers, 'ce_specversion')).toBe('1.0');
      expect(header(message.headers, 'ce_type')).toBe('io.rfmstream.segment.changed');
      expect(header(message.headers, 'ce_subject')).toBe(change.customerId);
      latest.set(`${change.customerId}/${change.model}`, change.segment);
    }
    for (const id of ['alice', 'bob']) {
      const view = await customerView(scope(), id);
      for (const model of MODELS)
        expect(latest.get(`${id}/${model}`), `${id} ${model}`).toBe(view?.segments?.[model]);
    }
  });

  it('reports each model’s populations over all customers', async () => {
    const report = await populationReport(scope());
    expect(report.customers).toBe(2);
    expect(report.population).toBe(2);
    for (const model of MODELS) {
      expect(
        Object.values(report.segments[model]).reduce((a, b) => a + b, 0),
        model,
      ).toBe(2);
    }
  });
});
