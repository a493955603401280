// A crash between the Kafka send and the Redis write loses no output: the
// changes are sent before the state that made them is stored, so the restarted
// processor, reading the records again from the state before, makes them again
// with the same ids, and records already stored change nothing.
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputChange } from '../../src/domain/changes.js';
import type { Order } from '../../src/domain/order.js';
import { DAY_MS } from '../../src/domain/time.js';
import { dropNamespace, partitionOrders, runEngine } from '../support/engine.js';
import { uniqueName } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
afterAll(() => redis.quit());

const START = Date.UTC(2024, 5, 1, 10);
const orders: Order[] = Array.from({ length: 60 }, (_, i) => ({
  eventId: `e${i}`,
  customerId: `c${i % 9}`,
  orderId: `o${i}`,
  kind: i % 11 === 5 ? 'REFUND' : 'PURCHASE',
  amountMinor: 1000 + 37 * i,
  eventTime: START + Math.floor(i / 3) * 5 * DAY_MS,
}));

class Crash extends Error {}

describe('a crash around the Kafka send', () => {
  it('publishes after a restart what a crash kept from Kafka, with the same ids, and no more state', async () => {
    const partitions = partitionOrders(orders, 2);
    let cleanPublishes = 0;
    const clean = await runEngine(redis, partitions, { beforePublish: () => (cleanPublishes += 1) });
    // The crash comes at the middle publish, whatever the number of steps a publish carries.
    const crashAt = Math.ceil(cleanPublishes / 2);
    expect(crashAt).toBeGreaterThan(0);
    const cleanIds = new Set([...clean.published, ...clean.churn].map((c) => c.eventId));
    const cleanState = await clean.readCustomers([...new Set(orders.map((o) => o.customerId))]);
    await dropNamespace(redis, clean.namespace);

    const namespace = uniqueName('crash');
    let publishes = 0;
    const lost: OutputChange[] = [];
    const firstRun: OutputChange[] = [];
    await expect(
      runEngine(redis, partitions, {
        namespace,
        beforePublish: (changes) => {
          publishes += 1;
          firstRun.push(...changes);
          if (publishes === crashAt) {
            lost.push(...changes);
            throw new Crash('killed at the Kafka send, before the Redis write');
          }
        },
      }),
    ).rejects.toThrow(Crash);
    expect(lost.length).toBeGreaterThan(0);

    // The restart: same namespace, all records delivered again from the start.
    const restarted = await runEngine(redis, partitions, { namespace });
    try {
      const republished = [...restarted.published, ...restarted.churn];
      const ids = new Set(republished.map((c) => c.eventId));
      for (const { change } of lost)
        expect(ids.has(change.eventId), `${change.eventId} republished`).toBe(true);
      expect(republished).toEqual(expect.arrayContaining(lost.map((l) => l.change)));
      // Together the two runs published every change of the clean run, and nothing else.
      const all = new Set([...ids, ...firstRun.map((c) => c.change.eventId)]);
      expect([...all].sort()).toEqual([...cleanIds].sort());
      const state = await restarted.readCustomers([...cleanState.keys()]);
      for (const [id, customer] of cleanState) {
        expect(state.get(id)?.state, id).toEqual(customer.state);
        expect(state.get(id)?.segments, id).toEqual(customer.segments);
      }
    } finally {
      await dropNamespace(redis, namespace);
    }
  });
});
