// Several processes of one consumer group, each owning some of the partitions
// and reading at its own pace, meet at every thresholds tick in Redis: the state
// and the event ids are those of one process owning them all. Two coordinators
// over the real Redis stand for the two processes.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputChange } from '../../src/domain/changes.js';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS } from '../../src/domain/time.js';
import { Coordinator } from '../../src/processor/coordinator.js';
import { CustomerStore } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { defineScripts } from '../../src/state/scripts.js';
import { ThresholdsStore } from '../../src/state/thresholds-store.js';
import { dropNamespace, partitionOrders, runEngine } from '../support/engine.js';
import { uniqueName } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';
import { differences, dumpNamespace } from '../support/state-dump.js';

const redis = testRedis();
defineScripts(redis);
afterAll(() => redis.quit());

const START = Date.UTC(2024, 0, 1);
const PARTITIONS = 4;
const settings = { windowDays: 60, cadenceDays: 1, allowedLatenessDays: 5, churnAfterDays: 40 };

const historyArb = fc
  .array(
    fc.record({
      customer: fc.integer({ min: 1, max: 30 }),
      day: fc.integer({ min: 0, max: 100 }),
      kind: fc.constantFrom('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND'),
      amount: fc.integer({ min: 0, max: 20_000 }),
      delay: fc.integer({ min: 0, max: 4 }),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((raw) =>
    raw
      .map((o, i) => ({
        order: {
          eventId: `e${i}`,
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

interface Group {
  partitions: Order[][];
  /** Records handed to each partition's consumer so far. */
  fed: number[];
  coordinators: Coordinator[];
}

const done = (group: Group) =>
  group.fed.every((n, p) => n === (group.partitions[p] as Order[]).length) &&
  group.coordinators.every((c) => group.partitions.every((_, p) => c.queuedCount(p) === 0));

/** One process: a coordinator owning `owned`, fed `batch` records per partition per round, draining until the group is done. */
function joinGroup(group: Group, namespace: string, owned: number[], batch: number, published: string[]) {
  const keys = new Keys(namespace);
  const coordinator = new Coordinator({
    redis,
    keys,
    customers: new CustomerStore(redis, keys, 'orders'),
    thresholdsStore: new ThresholdsStore(redis, keys, 'orders'),
    topic: 'orders',
    partitionCount: group.partitions.length,
    ...settings,
    publish: async (changes: OutputChange[]) => {
      published.push(...changes.map((c) => c.change.eventId));
    },
  });
  group.coordinators.push(coordinator);
  return async () => {
    await coordinator.assign(owned);
    while (!done(group)) {
      for (const p of owned) {
        const orders = group.partitions[p] as Order[];
        const from = group.fed[p] as number;
        const next = orders.slice(from, from + batch);
        group.fed[p] = from + next.length;
        coordinator.enqueue(
          p,
          next.map((order, i) => ({ offset: from + i, order })),
          from + next.length === orders.length,
        );
      }
      // As the processor's poller does every second, also when it has nothing queued.
      await coordinator.drain();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
}

describe('several processes in one consumer group', () => {
  it('tick together: the state and event ids of one process owning every partition', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.integer({ min: 1, max: 30 }), async (arrival, pace) => {
        const partitions = partitionOrders(arrival, PARTITIONS);
        const single = await runEngine(redis, partitions, { ...settings, batchSize: 7 });
        const expected = await dumpNamespace(redis, single.namespace);
        const expectedIds = [...new Set([...single.published, ...single.churn].map((c) => c.eventId))].sort();
        await dropNamespace(redis, single.namespace);

        const namespace = uniqueName('group');
        const published: string[] = [];
        // One reads a record per partition per round, the other `pace`: they drift apart until a tick.
        const group: Group = { partitions, fed: partitions.map(() => 0), coordinators: [] };
        const first = joinGroup(group, namespace, [0, 2], 1, published);
        const second = joinGroup(group, namespace, [1, 3], pace, published);
        await Promise.all([first(), second()]);
        const actual = await dumpNamespace(redis, namespace);
        await dropNamespace(redis, namespace);
        expect(differences(actual, expected), 'state').toEqual([]);
        expect(actual.size).toBe(expected.size);
        expect([...new Set(published)].sort(), 'event ids').toEqual(expectedIds);
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 600_000);
});
