// One input partition's keys in Redis: its customers' member records, the sums
// over P, the segment and cohort counts, the churn-rate counts and the
// partition's clock. The processor keeps
// the same in memory (src/processor/member-index.ts) and writes here what changed.
import type { ChainableCommander } from 'ioredis';
import { execOrThrow } from './customer-store.js';
import type { Keys, PartitionKeys } from './keys.js';
import { batchOf } from './redis-batch.js';
import type { RedisClient } from './scripts.js';

/** A month's churn-rate counts of one partition: who was active at its start, who of them lapsed by its end. */
export interface LapseCounts {
  /** YYYY-MM -> customers active on the month's first day. */
  active: Record<string, number>;
  /** YYYY-MM -> of those, the customers lapsed on the next month's first day. */
  churned: Record<string, number>;
}

export interface PartitionClock {
  /** The day the partition's customers are evaluated as of; null before the first event. */
  today: number | null;
  /** The thresholds version every customer of the partition has been re-evaluated with. */
  thresholdsVersion: string | null;
  /** The value model version every customer of the partition has been re-evaluated with; '' for none. */
  valueVersion?: string | null;
}

export interface PopulationSums {
  n: number;
  lastPurchaseDay: number;
  f: number;
  m: number;
}

export class PartitionIndex {
  readonly keys: PartitionKeys;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.keys = keys.partition(topic, partition);
  }

  /** Every member record of the partition, a page at a time. */
  async *members(count = 5000): AsyncGenerator<[string, Buffer][]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscanBuffer(this.keys.members, cursor, 'COUNT', count);
      cursor = next.toString();
      const page: [string, Buffer][] = [];
      for (let i = 0; i < flat.length; i += 2)
        page.push([(flat[i] as Buffer).toString(), flat[i + 1] as Buffer]);
      if (page.length > 0) yield page;
    } while (cursor !== '0');
  }

  queueMembers(pipeline: ChainableCommander, records: (string | Buffer)[]): void {
    if (records.length > 0) pipeline.hset(this.keys.members, ...records);
  }

  /** Sets count fields to their values, and deletes those at 0: a field exists only while it counts someone. */
  queueCounts(
    pipeline: ChainableCommander,
    which: 'segmentCounts' | 'cohorts',
    counts: Map<string, number>,
  ): void {
    const set: (string | number)[] = [];
    const gone: string[] = [];
    for (const [field, n] of counts) {
      if (n === 0) gone.push(field);
      else set.push(field, n);
    }
    if (set.length > 0) pipeline.hset(this.keys[which], ...set);
    if (gone.length > 0) pipeline.hdel(this.keys[which], ...gone);
  }

  queueSums(pipeline: ChainableCommander, sums: PopulationSums): void {
    pipeline.hset(
      this.keys.sums,
      'n',
      sums.n,
      'lastPurchaseDay',
      sums.lastPurchaseDay,
      'f',
      sums.f,
      'm',
      sums.m,
    );
  }

  /** Members of P, as last stored. */
  async population(): Promise<number> {
    return Number((await this.redis.hget(this.keys.sums, 'n')) ?? 0);
  }

  /** Customers the partition has seen. */
  async customers(): Promise<number> {
    return this.redis.hlen(this.keys.members);
  }

  /** '<month>:n' and '<month>:d<N>' -> customers, for the partition's first-purchase cohorts. */
  async cohortCounts(): Promise<Record<string, number>> {
    const counts = await this.redis.hgetall(this.keys.cohorts);
    return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, Number(n)]));
  }

  /** How many of the partition's customers each 'model:segment' holds. */
  async segmentCounts(): Promise<Record<string, number>> {
    const counts = await this.redis.hgetall(this.keys.segmentCounts);
    return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, Number(n)]));
  }

  /**
   * A month's counts are final once its start is behind the watermark, and are
   * taken before the index moves past it: the first written is kept, so a tick
   * done again after a failure (counting from a moved index) changes nothing.
   */
  queueSetLapseCounts(
    pipeline: ChainableCommander,
    month: { active?: [string, number]; churned?: [string, number] },
  ): void {
    if (month.active) pipeline.hsetnx(this.keys.lapses, `active:${month.active[0]}`, String(month.active[1]));
    if (month.churned)
      pipeline.hsetnx(this.keys.lapses, `churned:${month.churned[0]}`, String(month.churned[1]));
  }

  async lapseCounts(): Promise<LapseCounts> {
    const all = await this.redis.hgetall(this.keys.lapses);
    const counts: LapseCounts = { active: {}, churned: {} };
    for (const [field, n] of Object.entries(all)) {
      const [kind, month] = field.split(':') as ['active' | 'churned', string];
      counts[kind][month] = Number(n);
    }
    return counts;
  }

  async clock(): Promise<PartitionClock> {
    const [today, version, valueVersion] = await this.redis.hmget(
      this.keys.clock,
      'today',
      'thresholds',
      'value',
    );
    return {
      today: today === null ? null : Number(today),
      thresholdsVersion: version ?? null,
      valueVersion: valueVersion ?? null,
    };
  }

  queueSetClock(pipeline: ChainableCommander, clock: PartitionClock): void {
    const fields: Record<string, string> = {};
    if (clock.today !== null) fields.today = String(clock.today);
    if (clock.thresholdsVersion !== null) fields.thresholds = clock.thresholdsVersion;
    if (clock.valueVersion != null) fields.value = clock.valueVersion;
    if (Object.keys(fields).length > 0) pipeline.hset(this.keys.clock, fields);
  }

  async setClock(clock: PartitionClock): Promise<void> {
    const pipeline = batchOf(this.redis);
    this.queueSetClock(pipeline, clock);
    await execOrThrow(pipeline);
  }
}
