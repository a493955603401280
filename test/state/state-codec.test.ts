import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerState } from '../../src/domain/customer.js';
import {
  decodeCustomerRecord,
  decodeState,
  encodeCustomerRecord,
  encodeState,
} from '../../src/state/state-codec.js';

const bucket = fc.record({
  day: fc.integer({ min: 0, max: 40_000 }),
  purchases: fc.maxSafeNat(),
  refunds: fc.maxSafeNat(),
  purchased: fc.boolean(),
  // eventKey's digests: 8 characters of 0..255.
  eventKeys: fc.array(
    fc.string({
      unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      minLength: 8,
      maxLength: 8,
    }),
    { maxLength: 4 },
  ),
});
const state: fc.Arbitrary<CustomerState> = fc.record({
  signedUp: fc.boolean(),
  lifetimeTransactions: fc.nat(),
  firstPurchaseDay: fc.option(fc.nat()),
  secondPurchaseDay: fc.option(fc.nat()),
  lastPurchaseDay: fc.option(fc.nat()),
  lifetimePurchases: fc.maxSafeNat(),
  lifetimeRefunds: fc.maxSafeNat(),
  repeatSpend: fc.maxSafeNat(),
  buckets: fc.array(bucket, { maxLength: 10 }),
});

describe('state codec', () => {
  it('round-trips every state', () => {
    fc.assert(
      fc.property(state, (s) => {
        expect(decodeState(encodeState(s))).toEqual(s);
      }),
    );
  });

  it('round-trips a customer record with its partition and offset prefix, the version a write expects', () => {
    fc.assert(
      fc.property(state, fc.nat(1000), fc.integer({ min: -1, max: 2 ** 40 }), (s, partition, offset) => {
        const record = decodeCustomerRecord(encodeCustomerRecord(partition, offset, s));
        expect(record).toEqual({
          version: `${partition}:${offset}|`,
          partition,
          lastOffset: offset,
          state: s,
        });
      }),
    );
  });

  it('refuses a record of another format rather than misread it', () => {
    expect(() => decodeCustomerRecord(Buffer.from('3:12|{"u":0}'))).toThrow(/format/);
  });

  it('keeps a customer with ten orders in a window small', () => {
    const tenOrders: CustomerState = {
      signedUp: false,
      lifetimeTransactions: 10,
      firstPurchaseDay: 20_000,
      secondPurchaseDay: 20_030,
      lastPurchaseDay: 20_300,
      lifetimePurchases: 123_456,
      lifetimeRefunds: 0,
      repeatSpend: 111_105,
      buckets: Array.from({ length: 10 }, (_, i) => ({
        day: 20_000 + 30 * i,
        purchases: 12_345,
        refunds: 0,
        purchased: true,
        eventKeys: ['abcdefgh'],
      })),
    };
    expect(encodeCustomerRecord(5, 1_000_000, tenOrders).length).toBeLessThan(170);
  });
});
