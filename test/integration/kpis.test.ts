// Churn rate and cohort retention of the streaming state against the reference,
// over random histories with late and duplicate events, on several partitions.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import { RETENTION_DAYS } from '../../src/domain/retention.js';
import { DAY_MS, dayOf, monthStart, nextMonthStart } from '../../src/domain/time.js';
import { referenceMonthChurn, referenceRetention } from '../../src/reference/index.js';
import { Keys } from '../../src/state/keys.js';
import { populationKpis } from '../../src/state/kpi-view.js';
import { dropNamespace, partitionOrders, runEngine } from '../support/engine.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const WINDOW = 365;
const LATENESS = 7;
const LAPSE = 40;
const PARTITIONS = 3;

const historyArb = fc
  .tuple(
    fc.array(
      fc.record({
        customer: fc.integer({ min: 1, max: 10 }),
        day: fc.integer({ min: 0, max: 250 }),
        kind: fc.constantFrom('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND'),
      }),
      { minLength: 1, maxLength: 150 },
    ),
    fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 150 }),
    fc.array(fc.nat(), { maxLength: 10 }),
  )
  .map(([raw, delays, duplicates]) => {
    const orders: Order[] = raw.map((o, i) => ({
      eventId: `e${i}`,
      orderId: `o${i}`,
      customerId: `c${o.customer}`,
      kind: o.kind as Order['kind'],
      amountMinor: 100 + i,
      eventTime: START + o.day * DAY_MS + 3_600_000,
    }));
    // Arrival: event time plus up to 10 days of delay, so some are later than the allowed 7.
    const arrival = orders
      .map((order, i) => ({ order, at: order.eventTime + (delays[i] ?? 0) * DAY_MS }))
      .sort((a, b) => a.at - b.at)
      .map((a) => a.order);
    for (const d of duplicates)
      arrival.splice(d % (arrival.length + 1), 0, arrival[d % arrival.length] as Order);
    return arrival;
  });

/** The arrival without the orders the processor rejected as late (one occurrence each). */
function appliedOrders(arrival: Order[], late: Order[]): Order[] {
  const applied = [...arrival];
  for (const order of late) applied.splice(applied.indexOf(order), 1);
  return applied;
}

describe('population KPIs against the reference', () => {
  it('give every complete month its churn rate, and every cohort its retention, exactly', async () => {
    let months = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, async (arrival) => {
        const run = await runEngine(redis, partitionOrders(arrival, PARTITIONS), {
          windowDays: WINDOW,
          allowedLatenessDays: LATENESS,
          churnAfterDays: LAPSE,
        });
        try {
          const kpis = await populationKpis({
            redis,
            keys: new Keys(run.namespace),
            topic: 'orders',
            partitionCount: PARTITIONS,
            windowDays: WINDOW,
            clvHorizonDays: 365,
            clvDiscountRate: 0,
            churnAfterDays: LAPSE,
            allowedLatenessDays: LATENESS,
          });
          const applied = appliedOrders(arrival, run.late);
          const clocks = (await Promise.all([0, 1, 2].map((p) => run.today(p)))).filter(
            (d): d is number => d !== null,
          );
          const watermark = Math.min(...clocks) - LATENESS;
          const expectedChurn = [];
          const firstDay = Math.min(...arrival.map((o) => dayOf(o.eventTime)));
          for (
            let start = monthStart(firstDay);
            nextMonthStart(start) <= watermark;
            start = nextMonthStart(start)
          ) {
            const month = referenceMonthChurn(applied, start, nextMonthStart(start), LAPSE);
            if (month.active > 0) expectedChurn.push(month);
          }
          expect(kpis.churn.map(({ month, active, churned }) => ({ month, active, churned }))).toEqual(
            expectedChurn,
          );
          months += expectedChurn.length;

          const expectedRetention = referenceRetention(applied, RETENTION_DAYS).map((c) => ({
            cohort: c.cohort,
            customers: c.customers,
            retained: RETENTION_DAYS.map((n) => c.retained[n] ?? 0),
          }));
          expect(
            kpis.retention.map((c) => ({
              cohort: c.cohort,
              customers: c.customers,
              retained: c.retained.map((r) => r.customers),
            })),
          ).toEqual(expectedRetention);
        } finally {
          await dropNamespace(redis, run.namespace);
        }
      }),
      { numRuns: 12 },
    );
    expect(months).toBeGreaterThan(12);
  }, 300_000);

  it('follow a late order that moves a customer to an earlier cohort, and a return on the last active day', async () => {
    const at = (customerId: string, day: number, id: string): Order => ({
      eventId: id,
      orderId: id,
      customerId,
      kind: 'PURCHASE',
      amountMinor: 100,
      eventTime: START + day * DAY_MS + 3_600_000,
    });
    const arrival: Order[] = [];
    for (let day = 0; day <= 120; day++) {
      arrival.push(at('ticker', day, `t${day}`));
      // c: first on Feb 2 and again on Feb 4 (cohort 2024-02, 2 days), then on Jan 30, late:
      // cohort 2024-01, 3 days. r: bought 39 days before Mar 1 (active then, lapse 40) and on Mar 4.
      if (day === 32) arrival.push(at('c', 32, 'c1'));
      if (day === 34) arrival.push(at('c', 34, 'c2'));
      if (day === 35) arrival.push(at('c', 29, 'c3'));
      if (day === 21) arrival.push(at('r', 21, 'r1'));
      if (day === 63) arrival.push(at('r', 63, 'r2'));
    }
    const run = await runEngine(redis, [arrival], {
      windowDays: WINDOW,
      allowedLatenessDays: LATENESS,
      churnAfterDays: LAPSE,
    });
    try {
      expect(run.late).toEqual([]);
      const keys = new Keys(run.namespace);
      const kpis = await populationKpis({
        redis,
        keys,
        topic: 'orders',
        partitionCount: 1,
        windowDays: WINDOW,
        clvHorizonDays: 365,
        clvDiscountRate: 0,
        churnAfterDays: LAPSE,
        allowedLatenessDays: LATENESS,
      });
      expect(kpis.retention.map((c) => [c.cohort, c.customers, c.retained.map((r) => r.customers)])).toEqual(
        referenceRetention(arrival, RETENTION_DAYS).map((c) => [
          c.cohort,
          c.customers,
          RETENTION_DAYS.map((n) => c.retained[n] ?? 0),
        ]),
      );
      // Nothing is left behind in the cohort c left.
      const counts = await redis.hgetall(keys.partition('orders', 0).cohorts);
      expect(Object.entries(counts).filter(([k, v]) => k.startsWith('2024-02') && v !== '0')).toEqual([]);
      const march = kpis.churn.find((m) => m.month === '2024-03');
      const expected = referenceMonthChurn(
        arrival,
        dayOf(Date.UTC(2024, 2, 1)),
        dayOf(Date.UTC(2024, 3, 1)),
        LAPSE,
      );
      expect(march && { month: march.month, active: march.active, churned: march.churned }).toEqual(expected);
      expect(expected).toEqual({ month: '2024-03', active: 3, churned: 1 });
    } finally {
      await dropNamespace(redis, run.namespace);
    }
  });
});
