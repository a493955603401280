// A publish that fails for a while (Kafka away) and is retried by the running
// processor, with no restart in between, loses no change and counts nothing
// twice: the state and the event ids are those of a clean run, wherever the
// failures fall (in an order step or in the middle of a thresholds tick).
import fc from 'fast-check';
import { KafkaJSConnectionError } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS } from '../../src/domain/time.js';
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
});
