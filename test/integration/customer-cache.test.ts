// The customer cache keeps full states between parts up to a weight, not a
// number of customers: a customer with many day buckets counts for them all.
// Against the real Redis, so a state dropped from memory is read again there.
import { afterAll, describe, expect, it } from 'vitest';
import { applyOrder, type CustomerState, emptyCustomer } from '../../src/domain/customer.js';
import { DAY_MS } from '../../src/domain/time.js';
import { CustomerCache, stateWeight } from '../../src/processor/customer-cache.js';
import { CustomerStore, execOrThrow } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { defineScripts } from '../../src/state/scripts.js';
import { encodeCustomerRecord } from '../../src/state/state-codec.js';
import { dropNamespace } from '../support/engine.js';
import { uniqueName } from '../support/kafka.js';
import { testRedis } from '../support/redis.js';

const redis = testRedis();
defineScripts(redis);
afterAll(() => redis.quit());

const DAY = 19_700;

/** A state with a purchase on each of `days` days. */
function stateWith(days: number): CustomerState {
  const state = emptyCustomer();
  for (let d = 0; d < days; d++) {
    applyOrder(
      state,
      {
        eventId: `e-${d}`,
        customerId: 'x',
        orderId: `o-${d}`,
        kind: 'PURCHASE',
        amountMinor: 1000,
        eventTime: (DAY + d) * DAY_MS,
      },
      DAY + d,
    );
  }
  return state;
}

describe('CustomerCache', () => {
  it('keeps the most recently used states up to its weight after a part, and reads the others again', async () => {
    const namespace = uniqueName('cache');
    const keys = new Keys(namespace);
    const store = new CustomerStore(redis, keys, 'orders');
    const buckets: Record<string, number> = { heavy: 20, a: 1, b: 1, c: 1, d: 1, e: 1 };
    const pipeline = redis.pipeline();
    for (const [id, days] of Object.entries(buckets))
      store.queueWrite(pipeline, id, '', encodeCustomerRecord(0, 1, stateWith(days)));
    await execOrThrow(pipeline);
    try {
      // heavy weighs 21, each other 2: 31 in all, one more than the bound.
      expect(stateWeight(20) + 5 * stateWeight(1)).toBe(31);
      const cache = new CustomerCache(store, 30);
      await cache.load(['heavy', 'a', 'b', 'c', 'd', 'e']);
      expect(cache.reads).toBe(1);
      expect(cache.get('heavy').state.buckets).toHaveLength(20);
      for (const id of ['a', 'b', 'c', 'd', 'e']) expect(cache.get(id).state.buckets).toHaveLength(1);
      expect(cache.heldWeight).toBe(31);
      expect(cache.holds('heavy')).toBe(true);
      // What a part held stays whatever the bound: its writes may not be in Redis yet.
      cache.release();
      expect(cache.heldWeight).toBe(0);
      expect(cache.holds('heavy')).toBe(false);

      // The next part takes a; at its end the least recently used, heavy, goes, and alone makes room.
      await cache.load(['a']);
      expect(cache.reads).toBe(1);
      expect(cache.heldWeight).toBe(2);
      cache.release();
      await cache.load(['b', 'c', 'd', 'e']);
      expect(cache.reads).toBe(1);
      // Read again, heavy makes 31 once more: a, now the least recently used, goes, for one unit.
      await cache.load(['heavy']);
      expect(cache.reads).toBe(2);
      expect(cache.get('heavy').state.buckets).toHaveLength(20);
      cache.release();
      await cache.load(['b', 'c', 'd', 'e', 'heavy']);
      expect(cache.reads).toBe(2);
      cache.release();
      await cache.load(['a']);
      expect(cache.reads).toBe(3);
    } finally {
      await dropNamespace(redis, namespace);
    }
  });

  it('reads states for a look without keeping them: those in memory as they are there, the others from Redis', async () => {
    const namespace = uniqueName('cache');
    const store = new CustomerStore(redis, new Keys(namespace), 'orders');
    const pipeline = redis.pipeline();
    for (const [id, days] of Object.entries({ a: 1, b: 2, c: 3, d: 4 }))
      store.queueWrite(pipeline, id, '', encodeCustomerRecord(0, 1, stateWith(days)));
    await execOrThrow(pipeline);
    try {
      const cache = new CustomerCache(store, 100);
      await cache.load(['a']);
      // Changed in memory, not written: the look sees the change.
      applyOrder(
        cache.get('a').state,
        {
          eventId: 'late',
          customerId: 'a',
          orderId: 'o',
          kind: 'PURCHASE',
          amountMinor: 5,
          eventTime: (DAY + 9) * DAY_MS,
        },
        DAY + 9,
      );
      const seen = new Map<string, number>();
      await cache.readEach(
        ['a', 'b', 'c', 'd', 'never'],
        (id, state) => seen.set(id, state.buckets.length),
        2,
      );
      expect(Object.fromEntries(seen)).toEqual({ a: 2, b: 2, c: 3, d: 4, never: 0 });
      // Four from Redis, two at a time; a once held, and none of the others kept.
      expect(cache.reads).toBe(3);
      expect(cache.heldWeight).toBe(stateWeight(1));
      await cache.load(['b']);
      expect(cache.reads).toBe(4);
    } finally {
      await dropNamespace(redis, namespace);
    }
  });
});
