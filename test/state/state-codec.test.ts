import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CustomerState, emptyCustomer } from '../../src/domain/customer.js';
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
  // eventKey's digests, 8 characters of 0..255 each, one after the other.
  eventKeys: fc
    .array(
      fc.string({
        unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
        minLength: 8,
        maxLength: 8,
      }),
      { maxLength: 4 },
    )
    .map((keys) => keys.join('')),
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

  it('reads the bytes written when event keys were kept as a list of strings', () => {
    // encodeState's output for this state at d636eee, each key a string of its own then.
    const written = Buffer.from(
      '010102a19c01a49c01a49c018827bc05fc110208c0b802d00f000106b817bc05056162636465666768ff0078797a313233',
      'hex',
    );
    const state: CustomerState = {
      signedUp: true,
      lifetimeTransactions: 2,
      firstPurchaseDay: 20_000,
      secondPurchaseDay: 20_003,
      lastPurchaseDay: 20_003,
      lifetimePurchases: 5000,
      lifetimeRefunds: 700,
      repeatSpend: 2300,
      buckets: [
        { day: 20_000, purchases: 2000, refunds: 0, purchased: true, eventKeys: '' },
        {
          day: 20_003,
          purchases: 3000,
          refunds: 700,
          purchased: true,
          eventKeys: 'abcdefgh\u00ff\u0000xyz123',
        },
      ],
    };
    expect(decodeState(written)).toEqual(state);
    expect(encodeState(state)).toEqual(written);
  });

  it('refuses event keys of another length rather than misread them', () => {
    const state = {
      ...emptyCustomer(),
      buckets: [{ day: 1, purchases: 1, refunds: 0, purchased: true, eventKeys: 'abcdefghi' }],
    };
    expect(() => encodeState(state)).toThrow(/not keys of 8/);
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
        eventKeys: 'abcdefgh',
      })),
    };
    expect(encodeCustomerRecord(5, 1_000_000, tenOrders).length).toBeLessThan(170);
  });
});
