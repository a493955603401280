import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerState } from '../../src/domain/customer.js';
import { decodeState, encodeState } from '../../src/state/state-codec.js';

const bucket = fc.record({
  day: fc.integer({ min: 0, max: 40_000 }),
  purchases: fc.nat(),
  refunds: fc.nat(),
  purchased: fc.boolean(),
  eventKeys: fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{10}$/), { maxLength: 4 }),
});
const state: fc.Arbitrary<CustomerState> = fc.record({
  signedUp: fc.boolean(),
  lifetimeTransactions: fc.nat(),
  firstPurchaseDay: fc.option(fc.nat()),
  secondPurchaseDay: fc.option(fc.nat()),
  lastPurchaseDay: fc.option(fc.nat()),
  lifetimePurchases: fc.nat(),
  lifetimeRefunds: fc.nat(),
  repeatSpend: fc.nat(),
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

  it('reads states written before the second purchase day and repeat spend were kept', () => {
    const old = '{"u":0,"n":1,"a":20000,"z":20000,"p":500,"r":0,"b":[[20000,500,0,1,"abcdefghij"]]}';
    const state = decodeState(old);
    expect(state.secondPurchaseDay).toBeNull();
    expect(state.repeatSpend).toBe(0);
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
        eventKeys: ['abcdefghij'],
      })),
    };
    expect(encodeState(tenOrders).length).toBeLessThan(400);
  });
});
