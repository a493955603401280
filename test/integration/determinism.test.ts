// Replaying the same input gives the same state and the same output event ids,
// however the records are batched, however far one partition is read ahead of
// the others, however little the memory bounds let a part hold, and after a
// crash in the middle of a thresholds tick: the processor core over the real
// Redis, fed as consumers with different fetch patterns would feed it.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import type { Thresholds } from '../../src/domain/thresholds.js';
import { DAY_MS } from '../../src/domain/time.js';
import type { Keys } from '../../src/state/keys.js';
import type { RedisClient } from '../../src/state/scripts.js';
import { ThresholdsStore } from '../../src/state/thresholds-store.js';
import { dropNamespace, type EngineRun, partitionOrders, runEngine } from '../support/engine.js';
import { uniqueName } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';
import { differences, dumpNamespace, type StateDump } from '../support/state-dump.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const WINDOW = 60;
const PARTITIONS = 3;

/** Orders over ~5 months in rough time order: refunds, sign-ups, some late by up to 10 days, some duplicated. */
const historyOf = (customers: number, maxOrders: number) =>
  fc
    .tuple(
      fc.array(
        fc.record({
          customer: fc.integer({ min: 1, max: customers }),
          day: fc.integer({ min: 0, max: 150 }),
          kind: fc.constantFrom('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND', 'SIGNUP'),
          amount: fc.integer({ min: 0, max: 50_000 }),
          delay: fc.integer({ min: 0, max: 10 }),
        }),
        { minLength: 1, maxLength: maxOrders },
      ),
      fc.array(fc.nat(), { maxLength: 20 }),
    )
    .map(([raw, duplicates]) => {
      const arrival = raw
        .map((o, i) => ({
          order: {
            eventId: `e${i}`,
            customerId: `c${o.customer}`,
            orderId: `o${i}`,
            kind: o.kind,
            amountMinor: o.kind === 'SIGNUP' ? 0 : o.amount,
            eventTime: START + o.day * DAY_MS + (i % 24) * 3_600_000,
          } as Order,
          at: START + (o.day + o.delay) * DAY_MS,
        }))
        .sort((a, b) => a.at - b.at)
        .map((a) => a.order);
      for (const d of duplicates)
        arrival.splice(d % (arrival.length + 1), 0, arrival[d % arrival.length] as Order);
      return arrival;
    });

const historyArb = historyOf(30, 200);

interface Outcome {
  state: StateDump;
  eventIds: string[];
}

async function outcome(run: EngineRun): Promise<Outcome> {
  const state = await dumpNamespace(redis, run.namespace);
  const eventIds = [...new Set([...run.published, ...run.churn].map((c) => c.eventId))].sort();
  await dropNamespace(redis, run.namespace);
  return { state, eventIds };
}

function expectSame(actual: Outcome, expected: Outcome, what: string): void {
  expect(differences(actual.state, expected.state), `${what}: state`).toEqual([]);
  expect(actual.state.size, `${what}: keys`).toBe(expected.state.size);
  expect(actual.eventIds, `${what}: event ids`).toEqual(expected.eventIds);
}

const engineOptions = { windowDays: WINDOW, allowedLatenessDays: 5 };

describe('replaying the same input', () => {
  it('gives the same state and event ids whatever the batches and the pace of each partition', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.integer({ min: 1, max: 40 }), async (arrival, skew) => {
        const partitions = partitionOrders(arrival, PARTITIONS);
        const whole = await outcome(
          await runEngine(redis, partitions, { ...engineOptions, batchSize: 10_000 }),
        );
        const oneByOne = await outcome(
          await runEngine(redis, partitions, { ...engineOptions, batchSize: 1 }),
        );
        // Partition 0 races ahead, partition 1 trickles, partition 2 arrives in bursts every few rounds.
        const uneven = await outcome(
          await runEngine(redis, partitions, {
            ...engineOptions,
            feed: (p, round) => (p === 0 ? skew * 5 : p === 1 ? 1 : round % 4 === 3 ? skew : 0),
          }),
        );
        // Memory bounds so small that every read takes a customer or two, a day's
        // orders take several reads and parts, and the cache keeps almost nothing.
        const squeezed = await outcome(
          await runEngine(redis, partitions, {
            ...engineOptions,
            batchSize: 10_000,
            bounds: { readAhead: 1, partWeight: 2, cacheSize: 1 },
          }),
        );
        expect(whole.eventIds.length).toBeGreaterThan(0);
        expectSame(oneByOne, whole, 'one record per batch');
        expectSame(uneven, whole, 'partitions at different paces');
        expectSame(squeezed, whole, 'small memory bounds');
      }),
      { numRuns: 20 },
    );
  });

  it('into the state it built changes nothing, publishes nothing, and calls late only what was late', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (arrival) => {
        const partitions = partitionOrders(arrival, PARTITIONS);
        const first = await runEngine(redis, partitions, { ...engineOptions, batchSize: 13 });
        const before = await dumpNamespace(redis, first.namespace);
        const again = await runEngine(redis, partitions, {
          ...engineOptions,
          batchSize: 5,
          namespace: first.namespace,
        });
        const after = await dumpNamespace(redis, first.namespace);
        await dropNamespace(redis, first.namespace);
        expect(differences(after, before), 'state').toEqual([]);
        expect([...again.published, ...again.churn], 'published').toEqual([]);
        // A record already applied is skipped, however late it looks against the clock now.
        for (const order of again.late) expect(first.late, order.eventId).toContainEqual(order);
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same state and event ids after a crash in the middle of a thresholds tick', async () => {
    await fc.assert(
      fc.asyncProperty(historyOf(40, 300), fc.nat(), async (arrival, crashAt) => {
        const partitions = partitionOrders(arrival, PARTITIONS);
        let ticks = 0;
        const clean = await runEngine(redis, partitions, {
          ...engineOptions,
          batchSize: 7,
          thresholdsStore: storeWith(() => {
            ticks += 1;
          }),
        });
        const expected = await outcome(clean);
        const every = 2 + (crashAt % 4);
        fc.pre(ticks >= every);

        // Crashes: every few ticks, one where the due customers' facts have been
        // brought to the tick's day but the version is never stored and nobody is
        // re-evaluated with it (what the drain stored before is kept, what it held
        // back is lost). Each restart delivers every record again from the start.
        const namespace = uniqueName('tickcrash');
        let saves = 0;
        let crashes = 0;
        const sent: string[] = [];
        for (;;) {
          try {
            await runEngine(redis, partitions, {
              ...engineOptions,
              batchSize: 7,
              namespace,
              beforePublish: (changes) => sent.push(...changes.map((c) => c.change.eventId)),
              thresholdsStore: storeWith(() => {
                saves += 1;
                if (saves % every === 0) throw new Crash('killed in a tick');
              }),
            });
            break;
          } catch (error) {
            if (!(error instanceof Crash)) throw error;
            crashes += 1;
          }
        }
        expect(crashes).toBeGreaterThan(0);
        const state = await dumpNamespace(redis, namespace);
        await dropNamespace(redis, namespace);
        expect(differences(state, expected.state), 'state').toEqual([]);
        expect([...new Set(sent)].sort(), 'event ids of all runs').toEqual(expected.eventIds);
      }),
      // Without shrinking: a failing history of hundreds of orders takes minutes to shrink.
      { numRuns: 8, endOnFailure: true },
    );
  });
});

/** A thresholds store that calls `beforeSave` first: counting ticks, or throwing to crash in one. */
function storeWith(beforeSave: () => void) {
  return (r: RedisClient, k: Keys, t: string): ThresholdsStore =>
    new (class extends ThresholdsStore {
      override async saveFirst(thresholds: Thresholds): Promise<Thresholds> {
        beforeSave();
        return super.saveFirst(thresholds);
      }
    })(r, k, t);
}

class Crash extends Error {}
