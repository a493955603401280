// The KPI reference on histories small enough to count by hand.
import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import { dayOf } from '../../src/domain/time.js';
import { referenceMonthChurn, referenceRetention } from '../../src/reference/kpis.js';

let n = 0;
const buy = (customerId: string, date: string, kind: Order['kind'] = 'PURCHASE'): Order => ({
  eventId: `e${n++}`,
  orderId: `o${n}`,
  customerId,
  kind,
  amountMinor: 100,
  eventTime: Date.parse(`${date}T10:00:00Z`),
});
const day = (date: string) => dayOf(Date.parse(`${date}T00:00:00Z`));

describe('referenceMonthChurn', () => {
  // Lapsed after 40 days without a purchase; the month is March 2024 (1st to April 1st).
  const orders = [
    buy('a', '2024-02-20'), // active on Mar 1 (10 days), lapsed on Apr 1 (41 days): churned
    buy('b', '2024-02-25'),
    buy('b', '2024-03-20'), // active on both days: stays
    buy('c', '2024-01-10'), // 51 days before Mar 1: not active, not counted
    buy('d', '2024-03-05'), // new in March: not active on Mar 1
    buy('e', '2024-02-22'), // active; 39 days before Apr 1: still active
    buy('f', '2024-02-21'), // active; exactly 40 days before Apr 1: lapsed
    buy('g', '2024-03-01'), // bought on Mar 1 itself: not active at its start
    buy('h', '2024-02-10', 'REFUND'), // a refund is no purchase
  ];

  it('counts the customers active at the month start and those of them lapsed at the next', () => {
    expect(referenceMonthChurn(orders, day('2024-03-01'), day('2024-04-01'), 40)).toEqual({
      month: '2024-03',
      active: 4,
      churned: 2,
    });
  });
});

describe('referenceRetention', () => {
  it('puts customers in the month of their first purchase and counts repeat days within N days', () => {
    const orders = [
      buy('a', '2024-01-30'),
      buy('a', '2024-01-30'), // same day: no repeat
      buy('a', '2024-02-01'), // 2 days later
      buy('b', '2024-01-05'),
      buy('b', '2024-01-25'), // 20 days later
      buy('c', '2024-02-03'),
    ];
    expect(referenceRetention(orders, [2, 7, 14, 30])).toEqual([
      { cohort: '2024-01', customers: 2, retained: { 2: 1, 7: 1, 14: 1, 30: 2 } },
      { cohort: '2024-02', customers: 1, retained: {} },
    ]);
  });
});
