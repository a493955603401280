// A publish that fails for a while (Kafka away) and is retried by the running
// processor, with no restart in between, loses no change and counts nothing
// twice: the state and the event ids are those of a clean run, wherever the
// failures fall (in an order step or in the middle of a thresholds tick).
import fc from 'fast-check';
import { KafkaJSConnectionError } from 'kafkajs';
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
import { differences, dumpNamespace } from '../support/state-dump.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const options = { windowDays: 60, allowedLatenessDays: 5, churnAfterDays: 40, batchSize: 9 };

/** Orders over ~4 months in rough time order, some late, some refunds and duplicates. */
const historyArb = fc
  .array(
    fc.record({
      customer: fc.integer({ min: 1, max: 25 }),
      day: fc.integer({ min: 0, max: 120 }),
      kind: fc.constantFrom('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND'),
      amount: fc.integer({ min: 0, max: 20_000 }),
      delay: fc.integer({ min: 0, max: 8 }),
    }),
    { minLength: 20, maxLength: 150 },
  )
  .map((raw) =>
    raw
      .map((o, i) => ({
        order: {
          eventId: `e${i % 140}`,
          customerId: `c${o.customer}`,
          orderId: `o${i}`,
          kind: o.kind,
          amountMinor: o.amount,
          eventTime: START + o.day * DAY_MS + (i % 24) * 3_600_000,
        } as Order,
        at: START + (o.day + o.delay) * DAY_MS,
      }))
      .sort((a, b) => a.at - b.at)
      .map((a) => a.order),
  );

async function outcome(run: EngineRun, published: Iterable<string>) {
  const state = await dumpNamespace(redis, run.namespace);
  await dropNamespace(redis, run.namespace);
  return { state, ids: [...new Set(published)].sort() };
}

describe('a publish that fails for a while', () => {
  it('is retried without a restart: the clean run’s state and event ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        // Few publishes a run (one a drain, with all its changes): failures start early
        // to fall at all, and histories span several drains.
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (arrival, every, outage) => {
          const partitions = partitionOrders(arrival, 3);
          const clean = await runEngine(redis, partitions, options);
          const expected = await outcome(
            clean,
            [...clean.published, ...clean.churn].map((c) => c.eventId),
          );

          // After every `every` publishes Kafka takes, it refuses the next `outage` attempts.
          let taken = 0;
          let failing = 0;
          let failures = 0;
          let lastOutageAt = -1;
          const namespace = uniqueName('transient');
          const faulty = await runEngine(redis, partitions, {
            ...options,
            namespace,
            retryFailedDrains: 100,
            beforePublish: () => {
              if (failing === 0 && taken % every === every - 1 && lastOutageAt !== taken) {
                failing = outage;
                lastOutageAt = taken;
              }
              if (failing > 0) {
                failing -= 1;
                failures += 1;
                throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
              }
              taken += 1;
            },
          });
          fc.pre(failures > 0);
          const actual = await outcome(
            faulty,
            [...faulty.published, ...faulty.churn].map((c) => c.eventId),
          );
          expect(differences(actual.state, expected.state), 'state').toEqual([]);
          expect(actual.state.size).toBe(expected.state.size);
          expect(actual.ids, 'event ids').toEqual(expected.ids);
        },
      ),
      { numRuns: 20, endOnFailure: true },
    );
  }, 600_000);

  it('from Redis, failing a tick and then the reads that take the state again, loses nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        async (arrival, every, away) => {
          const partitions = partitionOrders(arrival, 3);
          const clean = await runEngine(redis, partitions, options);
          const expected = await outcome(
            clean,
            [...clean.published, ...clean.churn].map((c) => c.eventId),
          );

          // At every `every`-th save of a version, Redis goes away (the next try
          // saves it): the tick's step fails, and so do the next `away` reads of the
          // current version, the first thing a recovery reads (as a Redis Cluster
          // answers while a master is away: at once, with an error).
          let ticks = 0;
          let failingReads = 0;
          let outages = 0;
          const namespace = uniqueName('redisaway');
          const faulty = await runEngine(redis, partitions, {
            ...options,
            namespace,
            retryFailedDrains: 100,
            thresholdsStore: (r: RedisClient, k: Keys, t: string) =>
              new (class extends ThresholdsStore {
                override async saveFirst(thresholds: Thresholds): Promise<Thresholds> {
                  ticks += 1;
                  if (ticks % every === 0 && failingReads === 0) {
                    failingReads = away;
                    outages += 1;
                    throw new Error('Connection is closed.');
                  }
                  return super.saveFirst(thresholds);
                }

                override async current(): Promise<Thresholds | null> {
                  if (failingReads > 0) {
                    failingReads -= 1;
                    throw new Error('CLUSTERDOWN The cluster is down');
                  }
                  return super.current();
                }
              })(r, k, t),
          });
          fc.pre(outages > 0);
          const actual = await outcome(
            faulty,
            [...faulty.published, ...faulty.churn].map((c) => c.eventId),
          );
          expect(differences(actual.state, expected.state), 'state').toEqual([]);
          expect(actual.state.size).toBe(expected.state.size);
          expect(actual.ids, 'event ids').toEqual(expected.ids);
        },
      ),
      { numRuns: 20, endOnFailure: true },
    );
  }, 600_000);
});
