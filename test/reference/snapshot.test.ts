// The snapshot: facts as of today, classified with the version of an earlier or
// equal tick day, or with the empty version.
import { describe, expect, it } from 'vitest';
import { EMPTY_THRESHOLDS } from '../../src/domain/thresholds.js';
import { isoDay } from '../../src/domain/time.js';
import { referenceSnapshot } from '../../src/reference/index.js';
import { purchase, purchases, signup } from './builders.js';

describe('referenceSnapshot', () => {
  const orders = [
    ...purchases('big', [95, 96, 97, 98], 1000),
    ...purchases('small', [50], 10),
    purchase('today', 100, 5),
    signup('prospect', 99),
  ];

  it('classifies with the empty version when there is no thresholds day', () => {
    const { thresholds, customers } = referenceSnapshot(orders, {
      today: 100,
      windowDays: 365,
      thresholdsDay: null,
    });
    expect(thresholds).toEqual(EMPTY_THRESHOLDS);
    expect(customers.get('small')).toMatchObject({
      f: 1,
      m: 10,
      r: 50,
      scores: { r: 5, f: 5, m: 5 },
      segments: {
        rfm8: 'IMPORTANT_VALUE',
        'rfm-scores': 'CHAMPIONS',
        tier: 'A',
        lifecycle: 'FIRST_PURCHASE',
        activity: 'DOZING',
      },
    });
  });

  it('counts the events of today in the customer but not in the version of today', () => {
    const { thresholds, customers } = referenceSnapshot(orders, {
      today: 100,
      windowDays: 365,
      thresholdsDay: 100,
    });
    expect(thresholds).toMatchObject({ version: isoDay(100), size: 2, sumR: 2 + 50, sumF: 5, sumM: 4010 });
    // Ranked big, small: big's revenueBefore is 0, small's 4000 of 4010.
    expect(thresholds.tierA).toEqual({ m: 10, customerId: 'small' });
    expect(customers.get('today')).toMatchObject({
      f: 1,
      m: 5,
      r: 0,
      scores: { r: 5, f: 1, m: 1 },
      segments: { rfm8: 'GENERAL_DEVELOP', 'rfm-scores': 'NEW', tier: 'C', lifecycle: 'FIRST_PURCHASE' },
    });
    // The better of two members scores 1 + floor(5 * 1 / 2) = 3.
    expect(customers.get('big')).toMatchObject({
      r: 2,
      scores: { r: 3, f: 3, m: 3 },
      segments: { rfm8: 'IMPORTANT_VALUE', 'rfm-scores': 'LOYAL', tier: 'A', lifecycle: 'LOYAL' },
    });
    expect(customers.get('prospect')).toMatchObject({
      scores: null,
      segments: {
        rfm8: 'INACTIVE',
        'rfm-scores': 'INACTIVE',
        tier: 'INACTIVE',
        lifecycle: 'PROSPECT',
        activity: null,
      },
    });
    expect([...customers.keys()].sort()).toEqual(['big', 'prospect', 'small', 'today']);
  });

  it('classifies with an older version while the facts move on', () => {
    const { thresholds, customers } = referenceSnapshot(orders, {
      today: 100,
      windowDays: 365,
      thresholdsDay: 97,
    });
    // At tick 97: big bought on 95 and 96 (r 1, f 2, m 2000), small on 50 (r 47).
    expect(thresholds).toMatchObject({ version: isoDay(97), size: 2, sumR: 48, sumF: 3, sumM: 2010 });
    expect(customers.get('big')).toMatchObject({ f: 4, m: 4000, r: 2 });
  });

  it('refuses a thresholds day after today', () => {
    expect(() => referenceSnapshot(orders, { today: 100, windowDays: 365, thresholdsDay: 101 })).toThrow(
      RangeError,
    );
  });
});
