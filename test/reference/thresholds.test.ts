// Thresholds versions, hand-computed: who is in P at a tick, the sums, the score
// cuts, and the tier boundaries (ties by id, the 80/95 edges, total 0, exactness).
import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../src/domain/thresholds.js';
import { isoDay } from '../../src/domain/time.js';
import { needOf, ordersBeforeTick, referenceThresholds } from '../../src/reference/index.js';
import { purchase, purchases, refund, signup } from './builders.js';

/** One purchase of each customer's m on the day before the tick: a population with the given spends. */
function spenders(tickDay: number, spends: Record<string, number>) {
  return Object.entries(spends).map(([customerId, m]) => purchase(customerId, tickDay - 1, m));
}

function tiersOf(thresholds: Thresholds) {
  return { tierA: thresholds.tierA, tierB: thresholds.tierB };
}

describe('referenceThresholds', () => {
  it('counts only events before the tick day, and measures r from the tick day', () => {
    const orders = [
      purchase('a', 99, 10),
      purchase('b', 100, 20),
      purchase('c', 90, 30),
      purchase('c', 100, 40),
      refund('a', 100, 10),
      purchase('d', 101, 50),
    ];
    expect(referenceThresholds(orders, 100, 365)).toMatchObject({
      version: isoDay(100),
      day: 100,
      size: 2,
      sumR: 1 + 10,
      sumF: 2,
      sumM: 40,
    });
    expect(referenceThresholds(orders, 101, 365)).toMatchObject({
      size: 3,
      sumR: 2 + 1 + 1,
      sumF: 4,
      sumM: 90,
    });
  });

  it('takes P from the window as of the tick day: f >= 1, whatever m', () => {
    const orders = [
      purchase('edge-in', 91, 5),
      purchase('edge-out', 90, 7),
      signup('prospect', 95),
      refund('refund-only', 95, 3),
      purchase('refunded', 95, 8),
      refund('refunded', 96, 8),
    ];
    expect(referenceThresholds(orders, 100, 10)).toMatchObject({ size: 2, sumR: 9 + 5, sumF: 2, sumM: 5 });
  });

  it('is the empty population before any purchase', () => {
    expect(referenceThresholds([purchase('a', 10, 5), signup('b', 3)], 10, 365)).toEqual({
      version: '1970-01-11',
      day: 10,
      size: 0,
      sumR: 0,
      sumF: 0,
      sumM: 0,
      fCuts: [],
      mCuts: [],
      rCuts: [],
      tierA: null,
      tierB: null,
    } satisfies Thresholds);
  });

  it('cuts at the ceil(k n / 5)-th smallest f and m and largest r', () => {
    const orders = [
      ...purchases('a', [997, 998, 999], 10),
      ...purchases('b', [950], 500),
      ...purchases('c', [910, 920, 930, 940, 960], 1),
      ...purchases('d', [999], 70),
      ...purchases('e', [980, 990], 100),
    ];
    // f: 3 1 5 1 2, m: 30 500 5 70 200, r: 1 50 40 1 10; n = 5 so need_k = k.
    expect(referenceThresholds(orders, 1000, 365)).toMatchObject({
      size: 5,
      sumR: 102,
      sumF: 12,
      sumM: 805,
      fCuts: [1, 1, 2, 3],
      mCuts: [5, 30, 70, 200],
      rCuts: [50, 40, 10, 1],
      // Ranked b 500, e 200, d 70, a 30, c 5: revenueBefore 0, 500, 700, 770, 800 of 805.
      tierA: { m: 70, customerId: 'd' },
      tierB: { m: 30, customerId: 'a' },
    });
    const three = [
      ...purchases('x', [995], 1),
      ...purchases('y', [980, 990], 2),
      ...purchases('z', [970, 975, 990], 3),
    ];
    // n = 3: need = 1, 2, 2, 3.
    expect(referenceThresholds(three, 1000, 365)).toMatchObject({
      fCuts: [1, 2, 2, 3],
      mCuts: [1, 4, 4, 9],
      rCuts: [10, 10, 10, 5],
    });
  });

  it('computes need_k = ceil(k n / 5) in integers', () => {
    for (let n = 0; n <= 60; n++) {
      for (let k = 1; k <= 4; k++) expect(needOf(k, n), `k=${k} n=${n}`).toBe(Math.ceil((k * n) / 5));
    }
    expect(needOf(4, 2 ** 50 + 1)).toBe(Number((4n * (2n ** 50n + 1n) + 4n) / 5n));
  });
});

describe('tier boundaries', () => {
  it('puts each boundary at the first customer whose revenueBefore reaches 80% / 95%, inclusive', () => {
    // Ranked c, a, b, d, e: revenueBefore 0, 40, 60, 80, 95 of 100.
    expect(tiersOf(referenceThresholds(spenders(10, { a: 20, b: 20, c: 40, d: 15, e: 5 }), 10, 365))).toEqual(
      {
        tierA: { m: 15, customerId: 'd' },
        tierB: { m: 5, customerId: 'e' },
      },
    );
    // revenueBefore 0, 40, 60, 80, 94: nobody reaches 95%.
    expect(tiersOf(referenceThresholds(spenders(10, { a: 20, b: 20, c: 40, d: 14, e: 6 }), 10, 365))).toEqual(
      {
        tierA: { m: 14, customerId: 'd' },
        tierB: null,
      },
    );
    // revenueBefore 0, 39, 59, 79, 95: d stays under 80%, so e is both boundaries.
    expect(tiersOf(referenceThresholds(spenders(10, { a: 20, b: 20, c: 39, d: 16, e: 5 }), 10, 365))).toEqual(
      {
        tierA: { m: 5, customerId: 'e' },
        tierB: { m: 5, customerId: 'e' },
      },
    );
  });

  it('breaks ties in m by customer id in JavaScript string order', () => {
    // '10' < '9' as strings: ranked x, '10', '9' with revenueBefore 0, 60, 80.
    expect(tiersOf(referenceThresholds(spenders(10, { '9': 20, '10': 20, x: 60 }), 10, 365))).toEqual({
      tierA: { m: 20, customerId: '9' },
      tierB: null,
    });
    // 'B' < 'a': ranked x, 'B', 'a'.
    expect(tiersOf(referenceThresholds(spenders(10, { a: 20, B: 20, x: 60 }), 10, 365)).tierA).toEqual({
      m: 20,
      customerId: 'a',
    });
  });

  it('has no boundary when the total is 0', () => {
    const orders = [...spenders(10, { a: 0, b: 0 }), purchase('c', 5, 100), refund('c', 6, 100)];
    expect(referenceThresholds(orders, 10, 365)).toMatchObject({
      size: 3,
      sumM: 0,
      tierA: null,
      tierB: null,
    });
  });

  it('has no boundary with a single customer, whose revenueBefore is 0', () => {
    expect(tiersOf(referenceThresholds(spenders(10, { a: 100 }), 10, 365))).toEqual({
      tierA: null,
      tierB: null,
    });
  });

  it('compares 20 revenueBefore with 19 total exactly where doubles would round them equal', () => {
    const j = 2 ** 48 + 1;
    const total = 20 * j + 19;
    const big = 19 * j + 18; // 20 big = 19 total - 1
    expect(Number.isSafeInteger(total)).toBe(true);
    // The comparison in doubles would wrongly put the B boundary at `small`.
    expect(20 * big >= 19 * total).toBe(true);
    expect(tiersOf(referenceThresholds(spenders(10, { big, small: total - big }), 10, 365))).toEqual({
      tierA: { m: total - big, customerId: 'small' },
      tierB: null,
    });
  });
});

describe('ordersBeforeTick', () => {
  it('takes from each partition the orders before its first of the tick day or later', () => {
    const inOrder = [
      purchase('a', 8, 10),
      purchase('a', 9, 10),
      purchase('a', 10, 10),
      purchase('a', 11, 10),
    ];
    // b's order of day 9 comes late but before the tick day shows: counted. c's comes after one of day 11: not.
    const late = [purchase('b', 8, 20), purchase('b', 7, 20), purchase('c', 11, 30), purchase('c', 9, 30)];
    const quiet = [purchase('d', 5, 40)];
    expect(ordersBeforeTick([inOrder, late, quiet], 10)).toEqual([
      ...inOrder.slice(0, 2),
      ...late.slice(0, 2),
      ...quiet,
    ]);
    // In day order, the version counts every order of the days before.
    const all = [...inOrder, ...late, ...quiet];
    expect(referenceThresholds(ordersBeforeTick([inOrder], 10), 10, 365)).toEqual(
      referenceThresholds(inOrder, 10, 365),
    );
    expect(referenceThresholds(ordersBeforeTick([inOrder, late, quiet], 10), 10, 365)).not.toEqual(
      referenceThresholds(all, 10, 365),
    );
  });
});
