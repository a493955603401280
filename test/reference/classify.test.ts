// Classification, hand-computed and brute-forced: outside P and the empty version,
// rfm8 at the means, tier against its boundaries, lifecycle and activity edges.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import { EMPTY_THRESHOLDS } from '../../src/domain/thresholds.js';
import {
  activitySegment,
  customerFacts,
  lifecycleSegment,
  referenceScores,
  referenceSegments,
  rfm8Segment,
  thresholdsOfFacts,
  tierSegment,
} from '../../src/reference/index.js';
import { facts, purchase, purchases, refund, signup, version } from './builders.js';

describe('population models outside P', () => {
  it('classify a customer with f = 0 as INACTIVE, with no scores', () => {
    const lapsed = facts({ f: 0, r: 400, lifetimeTransactions: 2, m: 0 });
    const thresholds = version({ size: 2, sumR: 10, sumF: 2, sumM: 0 });
    expect(referenceScores(lapsed, thresholds)).toBeNull();
    expect(referenceSegments(lapsed, thresholds)).toEqual({
      rfm8: 'INACTIVE',
      'rfm-scores': 'INACTIVE',
      tier: 'INACTIVE',
      lifecycle: 'LAPSED',
      activity: 'DEEP_SLEEP',
    });
    expect(referenceSegments(facts({ signedUp: true }), EMPTY_THRESHOLDS)).toEqual({
      rfm8: 'INACTIVE',
      'rfm-scores': 'INACTIVE',
      tier: 'INACTIVE',
      lifecycle: 'PROSPECT',
      activity: null,
    });
  });

  it('count every comparison against the empty version as true', () => {
    const active = facts({ f: 1, r: 300, m: 0 });
    expect(referenceScores(active, EMPTY_THRESHOLDS)).toEqual({ r: 5, f: 5, m: 5 });
    expect(referenceSegments(active, EMPTY_THRESHOLDS)).toMatchObject({
      rfm8: 'IMPORTANT_VALUE',
      'rfm-scores': 'CHAMPIONS',
      tier: 'A',
    });
  });
});

describe('rfm8', () => {
  it('counts a value equal to the mean as recent / high', () => {
    // r 10 20 30, f 1 2 3, m 100 200 300: the means are 20, 2 and 200.
    const thresholds = version({ size: 3, sumR: 60, sumF: 6, sumM: 600 });
    expect(rfm8Segment(facts({ r: 20, f: 2, m: 200 }), thresholds)).toBe('IMPORTANT_VALUE');
    expect(rfm8Segment(facts({ r: 10, f: 1, m: 100 }), thresholds)).toBe('GENERAL_DEVELOP');
    expect(rfm8Segment(facts({ r: 30, f: 3, m: 300 }), thresholds)).toBe('IMPORTANT_RETAIN');
  });

  it('compares with a mean that is not an integer without rounding it', () => {
    // Mean r = 10/3, mean f = 4/3, mean m = 1000/3.
    const thresholds = version({ size: 3, sumR: 10, sumF: 4, sumM: 1000 });
    expect(rfm8Segment(facts({ r: 3, f: 2, m: 334 }), thresholds)).toBe('IMPORTANT_VALUE');
    expect(rfm8Segment(facts({ r: 4, f: 1, m: 333 }), thresholds)).toBe('GENERAL_WINBACK');
  });

  it('names the eight combinations as SPEC.md does', () => {
    // Means r = 10, f = 2, m = 200; each flag flips one step past its mean.
    const thresholds = version({ size: 2, sumR: 20, sumF: 4, sumM: 400 });
    const table = [
      [true, true, true, 'IMPORTANT_VALUE'],
      [true, false, true, 'IMPORTANT_DEVELOP'],
      [false, true, true, 'IMPORTANT_RETAIN'],
      [false, false, true, 'IMPORTANT_WINBACK'],
      [true, true, false, 'GENERAL_VALUE'],
      [true, false, false, 'GENERAL_DEVELOP'],
      [false, true, false, 'GENERAL_RETAIN'],
      [false, false, false, 'GENERAL_WINBACK'],
    ] as const;
    for (const [recent, highF, highM, segment] of table) {
      const customer = facts({ r: recent ? 10 : 11, f: highF ? 2 : 1, m: highM ? 200 : 199 });
      expect(rfm8Segment(customer, thresholds), segment).toBe(segment);
    }
  });
});

describe('tier', () => {
  it('ranks a customer against the boundaries by m, then by id', () => {
    const thresholds = version({
      size: 9,
      sumM: 1000,
      tierA: { m: 50, customerId: 'k' },
      tierB: { m: 10, customerId: 'k' },
    });
    const tierOf = (m: number, customerId: string) =>
      tierSegment(facts({ customerId, f: 1, r: 1, m }), thresholds);
    expect(tierOf(51, 'z')).toBe('A');
    expect(tierOf(50, 'j')).toBe('A');
    expect(tierOf(50, 'k')).toBe('B');
    expect(tierOf(50, 'l')).toBe('B');
    expect(tierOf(10, 'a')).toBe('B');
    expect(tierOf(10, 'k')).toBe('C');
    expect(tierOf(10, 'z')).toBe('C');
    expect(tierOf(0, 'a')).toBe('C');
  });

  it('makes everybody A without boundaries, and B after A without a B boundary', () => {
    const none = version({ size: 2, sumM: 0 });
    expect(tierSegment(facts({ f: 1, r: 1, m: 0 }), none)).toBe('A');
    const onlyA = version({ size: 2, sumM: 100, tierA: { m: 20, customerId: 'b' } });
    expect(tierSegment(facts({ customerId: 'b', f: 1, r: 1, m: 20 }), onlyA)).toBe('B');
  });

  it('agrees with SPEC: A while the revenue ranked before is under 80%, B under 95%, else C', () => {
    const members = fc.uniqueArray(
      fc.record({ customerId: fc.string({ maxLength: 2 }), m: fc.integer({ min: 0, max: 30 }) }),
      { minLength: 1, maxLength: 30, selector: (c) => c.customerId },
    );
    fc.assert(
      fc.property(members, (rows) => {
        const population = rows.map(({ customerId, m }) => facts({ customerId, m, f: 1, r: 1 }));
        const thresholds = thresholdsOfFacts(population, 1000);
        const ranked = [...rows].sort((a, b) =>
          a.m !== b.m ? b.m - a.m : a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0,
        );
        const total = rows.reduce((sum, row) => sum + row.m, 0);
        let before = 0;
        for (const row of ranked) {
          const expected = total === 0 || 5 * before < 4 * total ? 'A' : 20 * before < 19 * total ? 'B' : 'C';
          const customer = population.find((c) => c.customerId === row.customerId);
          if (!customer) throw new Error('lost a customer');
          expect(tierSegment(customer, thresholds), `${row.customerId} m=${row.m} before=${before}`).toBe(
            expected,
          );
          before += row.m;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('lifecycle', () => {
  const today = 1000;
  const lifecycleOf = (orders: Order[], customerId = 'a') => {
    const customer = customerFacts(orders, today, 365).get(customerId);
    if (!customer) throw new Error(`no facts for ${customerId}`);
    return lifecycleSegment(customer);
  };

  it('is LOYAL with four transactions in the window and r <= 90, else REPEAT', () => {
    expect(lifecycleOf(purchases('a', [700, 800, 900, 910], 10))).toBe('LOYAL');
    expect(lifecycleOf(purchases('a', [700, 800, 900, 909], 10))).toBe('REPEAT');
    // Four lifetime transactions, three in the window.
    expect(lifecycleOf(purchases('a', [600, 800, 900, 999], 10))).toBe('REPEAT');
    expect(lifecycleOf(purchases('a', [998, 999, 1000], 10))).toBe('REPEAT');
  });

  it('is REPEAT with two lifetime transactions and one in the window', () => {
    expect(lifecycleOf(purchases('a', [500, 990], 10))).toBe('REPEAT');
  });

  it('is FIRST_PURCHASE with one transaction, in the window, whatever the number of orders that day', () => {
    expect(lifecycleOf(purchases('a', [990, 990], 10))).toBe('FIRST_PURCHASE');
    expect(lifecycleOf([signup('a', 900), purchase('a', 990, 10)])).toBe('FIRST_PURCHASE');
    expect(lifecycleOf(purchases('a', [636], 10))).toBe('FIRST_PURCHASE');
  });

  it('is LAPSED having bought before but nothing in the window', () => {
    expect(lifecycleOf(purchases('a', [635], 10))).toBe('LAPSED');
    expect(lifecycleOf([signup('a', 100), ...purchases('a', [200, 300, 400], 10)])).toBe('LAPSED');
  });

  it('is PROSPECT signed up without a purchase, and nothing without either', () => {
    expect(lifecycleOf([signup('a', 100)])).toBe('PROSPECT');
    expect(lifecycleOf([refund('a', 990, 10)])).toBeNull();
  });
});

describe('activity', () => {
  it('grades by days since the last purchase at 30, 90 and 180', () => {
    const grades = [0, 29, 30, 89, 90, 179, 180, 5000].map((r) => activitySegment(facts({ r })));
    expect(grades).toEqual([
      'ACTIVE',
      'ACTIVE',
      'DOZING',
      'DOZING',
      'HALF_ASLEEP',
      'HALF_ASLEEP',
      'DEEP_SLEEP',
      'DEEP_SLEEP',
    ]);
    expect(activitySegment(facts({ r: null, signedUp: true }))).toBeNull();
  });
});
