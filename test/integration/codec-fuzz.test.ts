// The decoder against anything a topic can hold (fast-check): random bytes,
// valid records with bits flipped, cut short or extended, and valid orders of
// any values. Decoding and admission together either give an order or name the
// DLQ reason; they never throw anything else, and never take long.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { admit } from '../../src/domain/admission.js';
import { ERROR_CODES, RfmError } from '../../src/errors.js';
import { AvroCodec } from '../../src/stream/codec.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { createSchemaRegistry, registerSchemas, type SchemaIds } from '../../src/stream/schemas.js';
import { wideOrderType, wireFormat } from '../support/avro-writers.js';
import { uniqueTopic } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';

const stack = stackEndpoints();
const base = uniqueTopic('fuzz');
const config = loadConfig(
  {
    KAFKA_BROKERS: stack.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    REDIS_URL: stack.redisUrl,
  },
  { topics: { orders: `${base}.orders`, segmentChanges: `${base}.segments`, churnRisk: `${base}.churn` } },
);
const NOW = Date.UTC(2026, 0, 1);
const rules = {
  reportingCurrency: 'USD',
  exchangeRates: { EUR: 1.08 },
  maxAmountMinor: config.maxAmountMinor,
  maxFutureMs: config.maxFutureSkewMs,
  minEventTime: 0,
  now: NOW,
};
const DECODE_REASONS = ['NOT_AVRO', 'UNKNOWN_SCHEMA', 'INVALID_EVENT'];

let ids: SchemaIds;
let codec: AvroCodec;
beforeAll(async () => {
  const registry = createSchemaRegistry(config);
  ids = await registerSchemas(registry, config);
  codec = new AvroCodec(registry, ids);
});

/** What the processor does with a record value: an order, or the DLQ reason. */
async function classify(
  value: Buffer | null,
): Promise<{ order: OrderEvent } | { reason: string; stage: 'decode' | 'admit' }> {
  let event: OrderEvent;
  try {
    event = await codec.decodeOrder(value);
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(RfmError);
    const { code, retriable } = error as RfmError;
    expect(DECODE_REASONS, code).toContain(code);
    expect(retriable).toBe(false);
    return { reason: code, stage: 'decode' };
  }
  const admission = admit(event, rules);
  if (!admission.ok) {
    expect(Object.keys(ERROR_CODES)).toContain(admission.reason);
    return { reason: admission.reason, stage: 'admit' };
  }
  const { order } = admission;
  expect(typeof order.customerId).toBe('string');
  expect(Number.isSafeInteger(order.amountMinor) && order.amountMinor >= 0).toBe(true);
  expect(Number.isSafeInteger(order.eventTime) && order.eventTime > 0).toBe(true);
  return { order: event };
}

/** Any order a producer may write, longs to 2^53 (the wide writer also writes what avsc's own long refuses). */
const encode = (event: OrderEvent) =>
  wireFormat(
    ids.orderEvent,
    wideOrderType.toBuffer({
      ...event,
      amountMinor: BigInt(event.amountMinor),
      eventTime: BigInt(event.eventTime),
    }),
  );

const orderArb: fc.Arbitrary<OrderEvent> = fc.record({
  eventId: fc.string({ maxLength: 40 }),
  customerId: fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^c[0-9]{1,8}$/)),
  orderId: fc.string({ maxLength: 20 }),
  kind: fc.constantFrom('PURCHASE', 'REFUND', 'SIGNUP'),
  amountMinor: fc.oneof(
    fc.integer({ min: -1_000_000, max: 200_000_000 }),
    fc.maxSafeInteger().map((n) => -n),
  ),
  currency: fc.constantFrom('USD', 'EUR', 'XYZ', ''),
  eventTime: fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
  quantity: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
});

describe('decoding whatever a topic holds', () => {
  it('classifies random bytes as the DLQ needs, quickly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const started = performance.now();
        await classify(Buffer.from(bytes));
        expect(performance.now() - started).toBeLessThan(2_000);
      }),
      { numRuns: 1_000 },
    );
  });

  it('classifies any body behind a known schema id, of the order schema or another one, quickly', async () => {
    // Behind a real id the bytes reach the Avro decoder itself: lengths and
    // union branches of any value, and writer schemas that are no order at all.
    const writers = fc.constantFrom(ids.orderEvent, ids.segmentChange, ids.churnRisk);
    await fc.assert(
      fc.asyncProperty(writers, fc.uint8Array({ maxLength: 300 }), async (id, body) => {
        const started = performance.now();
        await classify(wireFormat(id, Buffer.from(body)));
        expect(performance.now() - started).toBeLessThan(2_000);
      }),
      { numRuns: 2_000 },
    );
  });

  it('classifies valid records with bits flipped, cut short or extended', async () => {
    const mutation = fc.oneof(
      fc.record({ flip: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ cut: fc.nat() }),
      fc.record({ extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        orderArb,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (event, mutations) => {
          let value = encode(event);
          for (const m of mutations) {
            if ('flip' in m) {
              const i = 5 + (m.flip % Math.max(1, value.length - 5));
              value = Buffer.from(value);
              if (i < value.length) value[i] = (value[i] as number) ^ (1 << m.bit);
            } else if ('cut' in m) value = value.subarray(0, m.cut % (value.length + 1));
            else value = Buffer.concat([value, Buffer.from(m.extra)]);
          }
          await classify(value);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('reads back every valid order as written, and admission decides on its values', async () => {
    await fc.assert(
      fc.asyncProperty(orderArb, async (event) => {
        const result = await classify(encode(event));
        if ('order' in result) expect({ ...result.order }).toEqual(event);
        else expect(result.stage).toBe('admit');
      }),
      { numRuns: 500 },
    );
  });

  it('calls an amount beyond 2^53 (a 64-bit producer) AMOUNT_OUT_OF_RANGE, and a time beyond it INVALID_EVENT', async () => {
    const valid = {
      eventId: 'e-1',
      customerId: 'c-1',
      orderId: 'o-1',
      kind: 'PURCHASE',
      currency: 'USD',
      quantity: null,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 2n ** 53n + 1n, max: 2n ** 63n - 1n }),
        fc.boolean(),
        async (huge, negative) => {
          const beyond = negative ? -huge : huge;
          const amount = wideOrderType.toBuffer({
            ...valid,
            amountMinor: beyond,
            eventTime: BigInt(NOW - 1000),
          });
          expect(await classify(wireFormat(ids.orderEvent, amount))).toEqual({
            reason: 'AMOUNT_OUT_OF_RANGE',
            stage: 'admit',
          });
          const time = wideOrderType.toBuffer({ ...valid, amountMinor: 100n, eventTime: beyond });
          expect(await classify(wireFormat(ids.orderEvent, time))).toEqual({
            reason: 'INVALID_EVENT',
            stage: 'decode',
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
