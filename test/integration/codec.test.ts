// The Avro codec against the real registry: round trips, schema evolution, and
// each kind of bad record classified as the DLQ needs it.
import { randomBytes } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { RfmError } from '../../src/errors.js';
import { AvroCodec } from '../../src/stream/codec.js';
import type { ChurnRiskEvent, OrderEvent, SegmentChangeEvent } from '../../src/stream/records.js';
import {
  createSchemaRegistry,
  loadSchema,
  registerSchemas,
  type SchemaIds,
} from '../../src/stream/schemas.js';
import { uniqueTopic } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';

const stack = stackEndpoints();
const base = uniqueTopic('codec');
const config = loadConfig(
  {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    REDIS_URL: stack.redisUrl,
  },
  { topics: { orders: `${base}.orders`, segmentChanges: `${base}.segments`, churnRisk: `${base}.churn` } },
);

const order: OrderEvent = {
  eventId: 'e-1',
  customerId: 'c-1',
  orderId: 'o-1',
  kind: 'PURCHASE',
  amountMinor: 2933,
  currency: 'USD',
  eventTime: Date.parse('1997-01-01T12:00:00Z'),
  quantity: 2,
};

let ids: SchemaIds;
let codec: AvroCodec;

beforeAll(async () => {
  const registry = createSchemaRegistry(config);
  ids = await registerSchemas(registry, config);
  codec = new AvroCodec(registry, ids);
});

/** A fresh codec: nothing cached, every writer schema fetched from the registry. */
const freshCodec = () => new AvroCodec(createSchemaRegistry(config), ids);

async function decodeError(value: Buffer | null, using = freshCodec()): Promise<RfmError> {
  try {
    await using.decodeOrder(value);
  } catch (error) {
    expect(error).toBeInstanceOf(RfmError);
    return error as RfmError;
  }
  throw new Error('expected decodeOrder to fail');
}

describe('AvroCodec', () => {
  it('writes the Confluent wire format and reads it back with a fresh registry client', async () => {
    const value = codec.encodeOrder(order);
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(ids.orderEvent);
    const decoded = await freshCodec().decodeOrder(value);
    expect({ ...decoded }).toEqual(order);
    expect(typeof decoded.eventTime).toBe('number');
    // The registry's own client reads it too: the bytes are standard.
    const other = await new SchemaRegistry({ host: stack.schemaRegistryUrl }).decode(value);
    expect(Number(other.eventTime)).toBe(order.eventTime);
  });

  it('round-trips segment changes and churn risk', async () => {
    const change: SegmentChangeEvent = {
      eventId: 'sc-1',
      customerId: 'c-1',
      model: 'rfm8',
      previousSegment: null,
      segment: 'IMPORTANT_VALUE',
      cause: 'ORDER',
      eventTime: order.eventTime,
      recencyDays: 0,
      frequency: 3,
      monetaryMinor: 10_000,
      recencyScore: null,
      frequencyScore: null,
      monetaryScore: null,
      thresholdsVersion: '1997-01-01',
    };
    const risk: ChurnRiskEvent = {
      eventId: 'cr-1',
      customerId: 'c-1',
      previousLevel: 'NONE',
      level: 'MEDIUM',
      reasons: ['HALF_ASLEEP', 'FREQUENCY_DROP'],
      daysSinceLastPurchase: 95,
      pAlive: 0.42,
      predictedClv: null,
      eventTime: order.eventTime,
    };
    expect({ ...(await freshCodec().decodeSegmentChange(codec.encodeSegmentChange(change))) }).toEqual(
      change,
    );
    expect({ ...(await freshCodec().decodeChurnRisk(codec.encodeChurnRisk(risk))) }).toEqual(risk);
  });

  it('reads an order written with a newer schema version that has an extra field', async () => {
    const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const v1 = loadSchema('orderEvent') as { fields: object[] };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'channel', type: 'string', default: 'web' }] };
    const subject = `${uniqueTopic('codec-evolution')}-value`;
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v2) },
      { subject },
    );
    const value = await registry.encode(id, { ...order, channel: 'app' });
    expect({ ...(await freshCodec().decodeOrder(value)) }).toEqual(order);
  });

  it('rejects random bytes and short records as NOT_AVRO', async () => {
    for (const value of [Buffer.from('{"eventId":"e-1"}'), Buffer.from([0, 0, 1]), Buffer.alloc(0), null]) {
      expect(await decodeError(value)).toMatchObject({ code: 'NOT_AVRO', retriable: false });
    }
    const random = Buffer.concat([Buffer.from([7]), randomBytes(40)]);
    expect((await decodeError(random)).code).toBe('NOT_AVRO');
  });

  it('rejects a schema id the registry does not know as UNKNOWN_SCHEMA', async () => {
    const value = Buffer.concat([
      Buffer.from([0, 0, 0x0f, 0x42, 0x3f]),
      codec.encodeOrder(order).subarray(5),
    ]);
    expect(value.readInt32BE(1)).toBe(999_999);
    const error = await decodeError(value);
    expect(error).toMatchObject({ code: 'UNKNOWN_SCHEMA', retriable: false });
    expect(error.message).toContain('999999');
  });

  it('rejects bodies that do not decode, and records of another schema, as INVALID_EVENT', async () => {
    const good = codec.encodeOrder(order);
    expect((await decodeError(good.subarray(0, good.length - 3))).code).toBe('INVALID_EVENT');
    expect((await decodeError(Buffer.concat([good, Buffer.from([1, 2])]))).code).toBe('INVALID_EVENT');
    const risk = codec.encodeChurnRisk({
      eventId: 'x',
      customerId: 'c',
      previousLevel: null,
      level: 'LOW',
      reasons: [],
      daysSinceLastPurchase: null,
      pAlive: null,
      predictedClv: null,
      eventTime: 0,
    });
    expect((await decodeError(risk)).code).toBe('INVALID_EVENT');
  });

  it('decodes values as written, leaving their judgement to admission', async () => {
    const odd = { ...order, customerId: '', currency: 'usd', amountMinor: -1 };
    expect({ ...(await freshCodec().decodeOrder(codec.encodeOrder(odd))) }).toEqual(odd);
  });

  it('refuses to encode a record that does not fit the schema, naming the field', () => {
    expect(() => codec.encodeOrder({ ...order, kind: 'GIFT' as never })).toThrow(/invalid kind/);
    expect(() => codec.encodeOrder({ ...order, eventTime: 1.5 })).toThrow(RfmError);
  });

  it('reports an unreachable registry as retriable', async () => {
    const unreachable = new AvroCodec(
      new SchemaRegistry({ host: 'http://127.0.0.1:1', retry: { retries: 0 } }),
      ids,
    );
    expect(await decodeError(codec.encodeOrder(order), unreachable)).toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
  });
});
