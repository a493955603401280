// The population P across all partitions of a topic, read from the partition
// indexes: the PopulationView that thresholds are computed from.
import type { PopulationView } from '../domain/population.js';
import { execOrThrow } from './customer-store.js';
import type { PartitionIndex } from './partition-index.js';
import { batchOf } from './redis-batch.js';
import type { RedisClient } from './scripts.js';

type Dimension = 'lastPurchaseDay' | 'f' | 'm';

/** The m index stores -m; negating back must not produce -0. */
const negate = (x: number) => (x === 0 ? 0 : -x);

export class RedisPopulation implements PopulationView {
  constructor(
    private readonly redis: RedisClient,
    private readonly partitions: PartitionIndex[],
  ) {}

  private async sumsOf(): Promise<{ n: number; lastPurchaseDay: number; f: number; m: number }> {
    const pipeline = batchOf(this.redis);
    for (const p of this.partitions) pipeline.hmget(p.keys.sums, 'n', 'lastPurchaseDay', 'f', 'm');
    const replies = (await execOrThrow(pipeline)) as (string | null)[][];
    const total = { n: 0, lastPurchaseDay: 0, f: 0, m: 0 };
    for (const [n, last, f, m] of replies) {
      total.n += Number(n ?? 0);
      total.lastPurchaseDay += Number(last ?? 0);
      total.f += Number(f ?? 0);
      total.m += Number(m ?? 0);
    }
    return total;
  }

  async size(): Promise<number> {
    return (await this.sumsOf()).n;
  }

  async sums(): Promise<{ lastPurchaseDay: number; f: number; m: number }> {
    const { lastPurchaseDay, f, m } = await this.sumsOf();
    return { lastPurchaseDay, f, m };
  }

  /** Counts members with value <= v, over all partitions. */
  private async countAtMost(dimension: Dimension, v: number): Promise<number> {
    const pipeline = batchOf(this.redis);
    for (const p of this.partitions) {
      if (dimension === 'm') pipeline.zcount(p.keys.m, -v, '+inf');
      else pipeline.zcount(p.keys[dimension], '-inf', v);
    }
    return ((await execOrThrow(pipeline)) as number[]).reduce((a, b) => a + b, 0);
  }

  private async range(dimension: Dimension): Promise<[number, number]> {
    const pipeline = batchOf(this.redis);
    const key = (p: PartitionIndex) => (dimension === 'm' ? p.keys.m : p.keys[dimension]);
    for (const p of this.partitions) {
      pipeline.zrange(key(p), 0, 0, 'WITHSCORES');
      pipeline.zrange(key(p), -1, -1, 'WITHSCORES');
    }
    const scores = ((await execOrThrow(pipeline)) as string[][])
      .filter((r) => r.length === 2)
      .map((r) => (dimension === 'm' ? negate(Number(r[1])) : Number(r[1])));
    return [Math.min(...scores), Math.max(...scores)];
  }

  /** Values are integers: binary search for the smallest v with count(<= v) >= k. */
  async kthSmallest(dimension: Dimension, k: number): Promise<number> {
    let [lo, hi] = await this.range(dimension);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await this.countAtMost(dimension, mid)) >= k) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  async *byMonetaryDescending(): AsyncIterable<{ customerId: string; m: number }> {
    const chunk = 2000;
    // A k-way merge of the partitions' -m sets, each read a chunk at a time.
    const cursors = this.partitions.map((p) => ({
      key: p.keys.m,
      offset: 0,
      buffer: [] as [string, number][],
      done: false,
    }));
    const refill = async (c: (typeof cursors)[number]) => {
      if (c.done || c.buffer.length > 0) return;
      const flat = await this.redis.zrange(c.key, c.offset, c.offset + chunk - 1, 'WITHSCORES');
      c.offset += flat.length / 2;
      if (flat.length === 0) c.done = true;
      for (let i = 0; i < flat.length; i += 2) c.buffer.push([flat[i] as string, Number(flat[i + 1])]);
    };
    for (;;) {
      await Promise.all(cursors.map(refill));
      let best: (typeof cursors)[number] | null = null;
      for (const c of cursors) {
        const head = c.buffer[0];
        if (!head) continue;
        const top = best?.buffer[0];
        if (!top || head[1] < top[1] || (head[1] === top[1] && head[0] < top[0])) best = c;
      }
      if (!best) return;
      const [customerId, negM] = best.buffer.shift() as [string, number];
      yield { customerId, m: negate(negM) };
    }
  }
}
