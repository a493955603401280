// One customer's numbers, hand-computed: transactions, the window edge, refunds,
// recency, the trend windows, deduplication and events after today.
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS } from '../../src/domain/time.js';
import { type CustomerFacts, customerFacts } from '../../src/reference/index.js';
import { purchase, purchaseAt, purchases, refund, signup } from './builders.js';

function factsOf(orders: Order[], customerId: string, today: number, windowDays = 365): CustomerFacts {
  const facts = customerFacts(orders, today, windowDays).get(customerId);
  if (!facts) throw new Error(`no facts for ${customerId}`);
  return facts;
}

describe('customerFacts', () => {
  it('counts all purchases of a customer on one UTC day as one transaction', () => {
    const orders = [
      purchaseAt('a', 100 * DAY_MS, 100),
      purchaseAt('a', 100 * DAY_MS + 43_200_000, 200),
      purchaseAt('a', 101 * DAY_MS - 1, 300),
      purchaseAt('a', 101 * DAY_MS, 400),
    ];
    expect(factsOf(orders, 'a', 105)).toEqual({
      customerId: 'a',
      signedUp: false,
      lifetimeTransactions: 2,
      firstPurchaseDay: 100,
      lastPurchaseDay: 101,
      lifetimeSpend: 1000,
      f: 2,
      m: 1000,
      r: 4,
      recent90Count: 2,
      recent90Spend: 1000,
      prior90Count: 0,
      prior90Spend: 0,
    } satisfies CustomerFacts);
  });

  it('keeps a day d in the window when today - d = W - 1 and drops it when today - d = W', () => {
    const orders = [purchase('in', 91, 500), purchase('out', 90, 700)];
    expect(factsOf(orders, 'in', 100, 10)).toMatchObject({ f: 1, m: 500, r: 9 });
    expect(factsOf(orders, 'out', 100, 10)).toMatchObject({
      f: 0,
      m: 0,
      r: 10,
      lifetimeTransactions: 1,
      lifetimeSpend: 700,
    });
  });

  it('takes the UTC day of the event time: the last millisecond of a day belongs to it', () => {
    const orders = [purchaseAt('a', 91 * DAY_MS - 1, 700), purchaseAt('b', 91 * DAY_MS, 500)];
    expect(factsOf(orders, 'a', 100, 10)).toMatchObject({ f: 0, m: 0, lastPurchaseDay: 90 });
    expect(factsOf(orders, 'b', 100, 10)).toMatchObject({ f: 1, m: 500, lastPurchaseDay: 91 });
  });

  it('lets refunds reduce m and lifetime spend, never below zero, each on its own day', () => {
    const orders = [
      // More refunded than bought.
      purchase('over', 95, 500),
      refund('over', 96, 800),
      // A refund in the window of a purchase before it.
      purchase('old', 50, 1000),
      refund('old', 95, 300),
      // A refund before the window of a purchase in it.
      refund('early', 50, 400),
      purchase('early', 95, 1000),
      purchase('partial', 95, 1000),
      refund('partial', 97, 250),
    ];
    expect(factsOf(orders, 'over', 100, 10)).toMatchObject({ f: 1, m: 0, lifetimeSpend: 0 });
    expect(factsOf(orders, 'old', 100, 10)).toMatchObject({ f: 0, m: 0, lifetimeSpend: 700 });
    expect(factsOf(orders, 'early', 100, 10)).toMatchObject({ f: 1, m: 1000, lifetimeSpend: 600 });
    expect(factsOf(orders, 'partial', 100, 10)).toMatchObject({ f: 1, m: 750, lifetimeSpend: 750 });
  });

  it('measures r from the last purchase day only: refunds and signups do not move it', () => {
    const orders = [purchase('a', 70, 100), purchase('a', 80, 100), refund('a', 99, 50), signup('a', 99)];
    expect(factsOf(orders, 'a', 100)).toMatchObject({ r: 20, firstPurchaseDay: 70, lastPurchaseDay: 80 });
    expect(factsOf(orders, 'a', 80)).toMatchObject({ r: 0 });
    expect(factsOf([signup('b', 10), refund('b', 11, 5)], 'b', 100)).toMatchObject({
      r: null,
      f: 0,
      lifetimeTransactions: 0,
      firstPurchaseDay: null,
      lastPurchaseDay: null,
      signedUp: true,
    });
  });

  it('splits the trend windows at 90 and 180 days, nets refunds without clamping, whatever W', () => {
    const today = 1000;
    const orders = [
      purchase('a', today, 100),
      purchase('a', today, 1),
      purchase('a', today - 89, 200),
      purchase('a', today - 90, 400),
      purchase('a', today - 179, 800),
      purchase('a', today - 180, 1600),
      refund('a', today - 10, 500),
      refund('a', today - 100, 50),
    ];
    const trend = { recent90Count: 2, recent90Spend: -199, prior90Count: 2, prior90Spend: 1150 };
    expect(factsOf(orders, 'a', today, 365)).toMatchObject({ ...trend, f: 5, m: 2551 });
    expect(factsOf(orders, 'a', today, 30)).toMatchObject({ ...trend, f: 1, m: 0 });
  });

  it('marks signedUp from a SIGNUP event', () => {
    const orders = [signup('s', 5), purchase('p', 5, 100)];
    expect(factsOf(orders, 's', 10)).toMatchObject({ signedUp: true, lifetimeTransactions: 0, m: 0 });
    expect(factsOf(orders, 'p', 10)).toMatchObject({ signedUp: false });
  });

  it('counts an eventId once: the first occurrence wins', () => {
    const orders = [
      purchase('a', 95, 100, 'dup'),
      purchase('a', 97, 999, 'dup'),
      refund('a', 96, 30, 'r1'),
      refund('a', 96, 30, 'r1'),
      // The same id under another customer is still the same event.
      purchase('b', 96, 50, 'dup'),
    ];
    const facts = customerFacts(orders, 100, 365);
    expect(facts.get('a')).toMatchObject({ m: 70, lifetimeTransactions: 1, lastPurchaseDay: 95 });
    expect(facts.has('b')).toBe(false);
  });

  it('deduplicates before looking at days: a later copy of an event after today does not stand in for it', () => {
    const orders = [purchase('a', 120, 100, 'late'), purchase('a', 90, 100, 'late'), purchase('a', 80, 7)];
    expect(factsOf(orders, 'a', 100)).toMatchObject({ m: 7, lastPurchaseDay: 80 });
    expect(factsOf(orders, 'a', 120)).toMatchObject({ m: 107, lastPurchaseDay: 120 });
  });

  it('ignores events after today, and customers with nothing before', () => {
    const orders = [
      purchase('a', 100, 100),
      purchase('a', 101, 200),
      refund('a', 101, 50),
      purchase('b', 101, 1),
    ];
    const facts = customerFacts(orders, 100, 365);
    expect(facts.get('a')).toMatchObject({ m: 100, lifetimeTransactions: 1, r: 0 });
    expect([...facts.keys()]).toEqual(['a']);
    expect(customerFacts(orders, 101, 365).get('a')).toMatchObject({ m: 250, lifetimeTransactions: 2, r: 0 });
  });

  it('counts f only over distinct days in the window', () => {
    const orders = [...purchases('a', [1, 2, 2, 3, 50, 60, 60], 10)];
    expect(factsOf(orders, 'a', 60, 59)).toMatchObject({ f: 4, m: 60, lifetimeTransactions: 5 });
  });

  it('refuses amounts that are not safe non-negative integers, and a window under one day', () => {
    expect(() => customerFacts([purchase('a', 1, -1)], 10, 365)).toThrow(RangeError);
    expect(() => customerFacts([refund('a', 1, 1.5)], 10, 365)).toThrow(RangeError);
    expect(() => customerFacts([purchase('a', 1, 2 ** 53)], 10, 365)).toThrow(RangeError);
    expect(() => customerFacts([purchase('a', 1, 2 ** 52), purchase('a', 2, 2 ** 52)], 10, 365)).toThrow(
      /safe integer/,
    );
    expect(() => customerFacts([purchase('a', 1, 1)], 10, 0)).toThrow(RangeError);
  });
});
