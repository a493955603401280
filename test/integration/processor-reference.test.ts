// The streaming core against the batch reference, through the real Redis: over
// random histories with duplicates and out-of-order events, every customer's
// numbers and segments equal what the reference computes from scratch.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { factsOf } from '../../src/domain/facts.js';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS, dayOf } from '../../src/domain/time.js';
import {
  customerFacts,
  ordersBeforeTick,
  referenceChurn,
  referenceScores,
  referenceSegments,
  referenceThresholds,
} from '../../src/reference/index.js';
import type { StoredCustomer } from '../../src/state/customer-store.js';
import { dropNamespace, partitionOf, partitionOrders, runEngine } from '../support/engine.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const WINDOW = 60;

const orderArb = fc.record({
  customer: fc.integer({ min: 1, max: 25 }),
  day: fc.integer({ min: 0, max: 150 }),
  kind: fc.constantFrom('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND', 'SIGNUP'),
  amount: fc.integer({ min: 0, max: 50_000 }),
  hour: fc.integer({ min: 0, max: 23 }),
});

/** A history in rough time order, with some events late by up to a week and some duplicated. */
const historyArb = fc
  .tuple(
    fc.array(orderArb, { minLength: 1, maxLength: 120 }),
    fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 120 }),
    fc.array(fc.nat(), { maxLength: 15 }),
  )
  .map(([raw, lateness, duplicates]) => {
    const orders: Order[] = raw.map((o, i) => ({
      eventId: `e${i}`,
      customerId: `c${o.customer}`,
      orderId: `o${i}`,
      kind: o.kind as Order['kind'],
      amountMinor: o.kind === 'SIGNUP' ? 0 : o.amount,
      eventTime: START + o.day * DAY_MS + o.hour * 3_600_000,
    }));
    // Arrival order: event time plus a random delay of up to a week.
    const arrival = orders
      .map((order, i) => ({ order, at: order.eventTime + (lateness[i] ?? 0) * DAY_MS }))
      .sort((a, b) => a.at - b.at)
      .map((a) => a.order);
    for (const d of duplicates)
      arrival.splice(d % (arrival.length + 1), 0, arrival[d % arrival.length] as Order);
    return arrival;
  });

async function compare(arrival: Order[], partitionCount: number): Promise<void> {
  // Every event counts however late: the lateness rule has a test of its own.
  const partitions = partitionOrders(arrival, partitionCount);
  const run = await runEngine(redis, partitions, {
    windowDays: WINDOW,
    allowedLatenessDays: 10_000,
  });
  try {
    const thresholds = run.coordinator.thresholds;
    if (thresholds.day !== null) {
      // A partition's orders of earlier days read after one of the tick day are not in the version.
      expect(thresholds).toEqual(
        referenceThresholds(ordersBeforeTick(partitions, thresholds.day), thresholds.day, WINDOW),
      );
    }
    const ids = [...new Set(arrival.map((o) => o.customerId))];
    const stored = await run.readCustomers(ids);
    for (const id of ids) {
      const today = (await run.today(partitionOf(id, partitionCount))) as number;
      const expected = customerFacts(arrival, today, WINDOW).get(id);
      const customer = stored.get(id);
      expect(customer, id).toBeDefined();
      if (!expected || !customer) continue;
      const { customerId: _, ...expectedFacts } = expected;
      expect(factsOf(customer.state, today, WINDOW), `facts of ${id} as of ${today}`).toEqual(expectedFacts);
      expect(customer.segments, `segments of ${id}`).toEqual(referenceSegments(expected, thresholds));
      expect(customer.scores, `scores of ${id}`).toEqual(referenceScores(expected, thresholds));
      expect(customer.churn ?? { level: 'NONE', reasons: [] }, `churn risk of ${id}`).toEqual(
        referenceChurn(expected),
      );
    }
  } finally {
    await dropNamespace(redis, run.namespace);
  }
}

describe('streaming state against the batch reference', () => {
  it('agrees over random in-order histories, thresholds included (3 partitions)', async () => {
    const inOrder = historyArb.map((orders) => [...orders].sort((a, b) => a.eventTime - b.eventTime));
    await fc.assert(
      fc.asyncProperty(inOrder, (orders) => compare(orders, 3)),
      { numRuns: 25 },
    );
  });

  it('agrees over histories with duplicates and late events, thresholds included (1 and 4 partitions)', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.constantFrom(1, 4), (orders, partitions) =>
        compare(orders, partitions),
      ),
      { numRuns: 25 },
    );
  });

  it('rejects exactly the orders older than the allowed lateness, and counts the rest', async () => {
    const LATENESS = 3;
    await fc.assert(
      fc.asyncProperty(historyArb, async (arrival) => {
        // One partition: its clock before an order is the latest day of the orders it accepted.
        let clock = Number.NEGATIVE_INFINITY;
        const accepted: Order[] = [];
        const rejected: Order[] = [];
        for (const order of arrival) {
          const day = dayOf(order.eventTime);
          if (day < clock - LATENESS) rejected.push(order);
          else {
            accepted.push(order);
            clock = Math.max(clock, day);
          }
        }
        const run = await runEngine(redis, [arrival], { windowDays: WINDOW, allowedLatenessDays: LATENESS });
        try {
          expect(run.late).toEqual(rejected);
          const today = (await run.today(0)) as number;
          const expected = customerFacts(accepted, today, WINDOW);
          const stored = await run.readCustomers([...expected.keys()]);
          for (const [id, facts] of expected) {
            const { customerId: _, ...expectedFacts } = facts;
            expect(factsOf((stored.get(id) as StoredCustomer).state, today, WINDOW), id).toEqual(
              expectedFacts,
            );
          }
        } finally {
          await dropNamespace(redis, run.namespace);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('publishes a change only when a stored segment really changes, each id once', async () => {
    const orders: Order[] = [0, 1, 40, 100].map((day, i) => ({
      eventId: `e${i}`,
      customerId: 'solo',
      orderId: `o${i}`,
      kind: 'PURCHASE',
      amountMinor: 1000,
      eventTime: START + day * DAY_MS,
    }));
    const run = await runEngine(redis, [orders], { windowDays: WINDOW });
    try {
      const ids = run.published.map((c) => c.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      const activity = run.published
        .filter((c) => c.model === 'activity')
        .map((c) => [c.previousSegment, c.segment, c.cause]);
      // Buys on days 0 and 1: ACTIVE; day 31 DOZING (time); day 40 buy: ACTIVE; day 70 DOZING (time); day 100 buy: ACTIVE.
      expect(activity).toEqual([
        [null, 'ACTIVE', 'ORDER'],
        ['ACTIVE', 'DOZING', 'TIME'],
        ['DOZING', 'ACTIVE', 'ORDER'],
        ['ACTIVE', 'DOZING', 'TIME'],
        ['DOZING', 'ACTIVE', 'ORDER'],
      ]);
      const firstDozing = run.published.find((c) => c.model === 'activity' && c.segment === 'DOZING');
      expect(dayOf(firstDozing?.eventTime ?? 0)).toBe(dayOf(START) + 31);
    } finally {
      await dropNamespace(redis, run.namespace);
    }
  });
});
