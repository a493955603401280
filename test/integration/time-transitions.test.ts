// The due index against the reference: customers who stop buying get exactly the
// TIME transitions the reference predicts, on the day it predicts them, for the
// models that change with time alone and for churn risk, P(alive) included.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValueModel } from '../../src/domain/clv/value-model.js';
import type { Order } from '../../src/domain/order.js';
import { EMPTY_THRESHOLDS } from '../../src/domain/thresholds.js';
import { DAY_MS, dayOf } from '../../src/domain/time.js';
import {
  customerFacts,
  referenceChurn,
  referencePAlive,
  referenceSegments,
} from '../../src/reference/index.js';
import { dropNamespace, runEngine } from '../support/engine.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const DAY0 = dayOf(START);
const WINDOW = 365;
const LAST_ORDER_DAY = 80;
const LAST_DAY = 700;

/** The published CDNOW parameters (weeks); v in cents. */
const MODEL: ValueModel = {
  version: '1997-09-30.1',
  calibrationEnd: '1997-09-30',
  daysPerUnit: 7,
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4 },
  gammaGamma: { p: 6.25, q: 3.74, v: 1544, logLikelihood: 0 },
  customers: 2357,
  repeatCustomers: 1000,
  fittedAt: '2026-01-01T00:00:00.000Z',
};

const purchases = fc.array(
  fc.record({ customer: fc.integer({ min: 1, max: 8 }), day: fc.integer({ min: 0, max: LAST_ORDER_DAY }) }),
  { minLength: 1, maxLength: 40 },
);

interface Transition {
  day: number;
  what: string;
  from: string | null;
  to: string;
}

const BGNBD = { ...MODEL.bgnbd, daysPerUnit: MODEL.daysPerUnit };

/** Day by day, what the reference says changes for one customer after its last order. */
function referenceTransitions(orders: Order[], id: string, lastDay: number): Transition[] {
  const transitions: Transition[] = [];
  const stateOn = (day: number) => {
    const facts = customerFacts(orders, day, WINDOW).get(id);
    if (!facts) throw new Error(`no facts for ${id}`);
    const segments = referenceSegments(facts, EMPTY_THRESHOLDS);
    const churn = referenceChurn(facts, referencePAlive(facts, day, BGNBD));
    return {
      activity: segments.activity,
      lifecycle: segments.lifecycle,
      churn: [churn.level, ...churn.reasons].join(' '),
    } as Record<string, string | null>;
  };
  let before = stateOn(lastDay);
  for (let day = lastDay + 1; day <= DAY0 + LAST_DAY; day++) {
    const now = stateOn(day);
    for (const what of ['activity', 'lifecycle', 'churn']) {
      if (now[what] !== before[what]) {
        transitions.push({ day, what, from: before[what] ?? null, to: now[what] as string });
      }
    }
    before = now;
  }
  return transitions;
}

describe('TIME transitions of silent customers against the reference', () => {
  it('are exactly the reference ones, on the same days, with a value model (1 partition)', async () => {
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(purchases, async (raw) => {
        const orders: Order[] = raw
          .map((p, i) => ({
            eventId: `e${i}`,
            orderId: `o${i}`,
            customerId: `c${p.customer}`,
            kind: 'PURCHASE' as const,
            amountMinor: 1000 + i,
            eventTime: START + p.day * DAY_MS + 3_600_000,
          }))
          .sort((a, b) => a.eventTime - b.eventTime);
        // A ticker customer moves the clock one day at a time, while the others buy and then stay silent.
        for (let day = 0; day <= LAST_DAY; day++) {
          orders.push({
            eventId: `t${day}`,
            orderId: `t${day}`,
            customerId: 'ticker',
            kind: 'PURCHASE',
            amountMinor: 100,
            eventTime: START + day * DAY_MS,
          });
        }
        orders.sort((a, b) => a.eventTime - b.eventTime);
        // No thresholds ticks: only the due index can make a silent customer change.
        const run = await runEngine(redis, [orders], {
          windowDays: WINDOW,
          cadenceDays: 100_000,
          valueModel: MODEL,
          batchSize: 200,
        });
        try {
          for (const id of new Set(raw.map((p) => `c${p.customer}`))) {
            const lastDay = Math.max(
              ...orders.filter((o) => o.customerId === id).map((o) => dayOf(o.eventTime)),
            );
            const expected = referenceTransitions(orders, id, lastDay);
            const actual: Transition[] = [];
            for (const c of run.published) {
              if (c.customerId !== id || dayOf(c.eventTime) <= lastDay) continue;
              if (c.model !== 'activity' && c.model !== 'lifecycle') continue;
              expect(c.cause).toBe('TIME');
              actual.push({ day: dayOf(c.eventTime), what: c.model, from: c.previousSegment, to: c.segment });
            }
            for (const c of run.churn) {
              if (c.customerId !== id || dayOf(c.eventTime) <= lastDay) continue;
              actual.push({
                day: dayOf(c.eventTime),
                what: 'churn',
                from: null,
                to: [c.level, ...c.reasons].join(' '),
              });
            }
            const key = (t: Transition) => `${t.day} ${t.what} ${t.to}`;
            expect(actual.map(key).sort(), id).toEqual(expected.map(key).sort());
            seen += expected.filter((t) => t.what === 'churn' && t.to.includes('P_ALIVE')).length;
          }
        } finally {
          await dropNamespace(redis, run.namespace);
        }
      }),
      { numRuns: 15 },
    );
    // The property is not vacuous: P(alive) crossings happened and were checked.
    expect(seen).toBeGreaterThan(5);
  }, 240_000);

  it('follow the wall clock on idle partitions in live mode, and event time only otherwise', async () => {
    const orders: Order[] = [0, 3, 5].map((day, i) => ({
      eventId: `w${i}`,
      orderId: `w${i}`,
      customerId: 'sleeper',
      kind: 'PURCHASE',
      amountMinor: 500,
      eventTime: START + day * DAY_MS + 3_600_000,
    }));
    const idle: Order[] = [];
    // Two partitions, one never gets an order: both are idle once the orders are read.
    const live = await runEngine(redis, [orders, idle], {
      windowDays: WINDOW,
      wallClock: () => START + 100 * DAY_MS + 5_000,
    });
    const replay = await runEngine(redis, [orders, idle], { windowDays: WINDOW });
    try {
      const activity = (run: typeof live) =>
        run.published
          .filter((c) => c.model === 'activity')
          .map((c) => [dayOf(c.eventTime) - DAY0, c.segment, c.cause]);
      expect(activity(live)).toEqual([
        [0, 'ACTIVE', 'ORDER'],
        [35, 'DOZING', 'TIME'],
        [95, 'HALF_ASLEEP', 'TIME'],
      ]);
      expect(await live.today(0)).toBe(DAY0 + 100);
      expect(await live.today(1)).toBe(DAY0 + 100);
      expect(activity(replay)).toEqual([[0, 'ACTIVE', 'ORDER']]);
      expect(await replay.today(0)).toBe(DAY0 + 5);
    } finally {
      await dropNamespace(redis, live.namespace);
      await dropNamespace(redis, replay.namespace);
    }
  });
});
