// An order of a day before a tick that its partition reads after an order of the
// tick's day: the tick did not wait for it, so the version of that day does not
// count it (src/domain/README.md, "The clock"), and the reference's version must
// not either. The fault suite's 100k clean run has three such orders on its last
// day; judged against a version of every order, three customers at a cut or a
// tier boundary seemed wrong.
import { afterAll, describe, expect, it } from 'vitest';
import { factsOf } from '../../src/domain/facts.js';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS, dayOf } from '../../src/domain/time.js';
import {
  ordersBeforeTick,
  referenceChurn,
  referenceSnapshot,
  referenceThresholds,
} from '../../src/reference/index.js';
import { dropNamespace, runEngine } from '../support/engine.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const purchase = (i: number, customerId: string, day: number, amountMinor: number): Order => ({
  eventId: `e${i}`,
  customerId,
  orderId: `o${i}`,
  kind: 'PURCHASE',
  amountMinor,
  eventTime: START + day * DAY_MS + 3_600_000,
});

describe('an order read after its partition passed the tick day', () => {
  it('is applied to its day, and the version of the tick does not count it', async () => {
    // One partition: five customers buy on day 0, one on day 1 (the tick of day 1
    // comes before it), then a late order of day 0 for a sixth customer.
    const arrival = [
      purchase(1, 'c1', 0, 1_000),
      purchase(2, 'c2', 0, 2_000),
      purchase(3, 'c3', 0, 3_000),
      purchase(4, 'c4', 0, 4_000),
      purchase(5, 'c5', 0, 5_000),
      purchase(6, 'c6', 1, 700),
      purchase(7, 'c7', 0, 2_500),
    ];
    const tickDay = dayOf(START) + 1;
    const run = await runEngine(redis, [arrival], { windowDays: 365 });
    try {
      const counted = ordersBeforeTick([arrival], tickDay);
      expect(counted).toEqual(arrival.slice(0, 5));
      expect(run.coordinator.thresholds).toEqual(referenceThresholds(counted, tickDay, 365));
      // Counting c7 moves the M cuts: c2 and c7 would score otherwise.
      expect(referenceThresholds(arrival, tickDay, 365).mCuts).not.toEqual(run.coordinator.thresholds.mCuts);
      const reference = referenceSnapshot(arrival, {
        today: tickDay,
        windowDays: 365,
        thresholdsDay: tickDay,
        thresholdsOrders: counted,
      });
      const stored = await run.readCustomers([...reference.customers.keys()]);
      const mismatches: string[] = [];
      for (const [id, expected] of reference.customers) {
        const customer = stored.get(id);
        const { customerId: _, scores, segments, ...facts } = expected;
        const actual = {
          facts: customer && factsOf(customer.state, tickDay, 365),
          scores: customer?.scores,
          segments: customer?.segments,
          churn: customer?.churn,
        };
        const wanted = { facts, scores, segments, churn: referenceChurn(expected) };
        if (JSON.stringify(actual) !== JSON.stringify(wanted))
          mismatches.push(`${id}: ${JSON.stringify(actual)} != ${JSON.stringify(wanted)}`);
      }
      expect(mismatches).toEqual([]);
    } finally {
      await dropNamespace(redis, run.namespace);
    }
  });
});
