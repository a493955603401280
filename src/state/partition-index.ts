// One input partition's slice of the population: the members of P by last
// purchase day, f and m, their sums, the due list, the customers with unsent
// outputs, and the partition's clock.
import type { ChainableCommander } from 'ioredis';
import type { CohortMembership } from '../domain/retention.js';
import { MODELS, type Segments } from '../domain/segments.js';
import { execOrThrow } from './customer-store.js';
import type { Keys, PartitionKeys } from './keys.js';
import { batchOf } from './redis-batch.js';
import { queueScript, type RedisClient } from './scripts.js';

export interface IndexEntry {
  customerId: string;
  inPopulation: boolean;
  lastPurchaseDay: number | null;
  f: number;
  m: number;
  dueDay: number | null;
  /** The customer's segment in each model, in MODELS order. */
  segments: Segments | null;
  /** The first-purchase cohort and the retention days it counts for; null before a purchase. */
  cohort: CohortMembership | null;
}

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

  queueIndex(pipeline: ChainableCommander, entry: IndexEntry): void {
    const k = this.keys;
    queueScript(pipeline, 'indexMember', [
      k.lastPurchaseDay,
      k.f,
      k.m,
      k.sums,
      k.due,
      k.segmentsOf,
      k.segmentCounts,
      k.cohorts,
      entry.customerId,
      entry.inPopulation ? '1' : '0',
      entry.lastPurchaseDay ?? 0,
      entry.f,
      entry.m,
      entry.dueDay ?? '',
      entry.segments ? MODELS.map((model) => entry.segments?.[model] ?? '').join('|') : '',
      MODELS.join('|'),
      entry.cohort ? `${entry.cohort.cohort}:${entry.cohort.retainedWithin.join(',')}` : '',
    ]);
  }

  /** Members of P whose last purchase day lies in [lo, hi]. */
  async countLastPurchaseBetween(lo: number, hi: number): Promise<number> {
    return hi < lo ? 0 : this.redis.zcount(this.keys.lastPurchaseDay, lo, hi);
  }

  /** Members of P who bought on `day` or later. */
  async lastPurchaseFrom(day: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.lastPurchaseDay, day, '+inf');
  }

  /** '<month>:n' and '<month>:d<N>' -> customers, for the partition's first-purchase cohorts. */
  async cohortCounts(): Promise<Record<string, number>> {
    const counts = await this.redis.hgetall(this.keys.cohorts);
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

  /** Every customer the partition has indexed, in chunks of about `count`. */
  async *allCustomers(count: number): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, fields] = await this.redis.hscan(this.keys.segmentsOf, cursor, 'COUNT', count);
      cursor = next;
      const ids = fields.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) yield ids;
    } while (cursor !== '0');
  }

  /** Customers due on or before `day`. */
  async dueBy(day: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.due, '-inf', day);
  }

  /** Members of P whose dimension lies in [lo, hi] (m as spend, not negated). */
  async membersBetween(dimension: 'lastPurchaseDay' | 'f' | 'm', lo: number, hi: number): Promise<string[]> {
    if (dimension === 'm') return this.redis.zrangebyscore(this.keys.m, -hi, -lo);
    return this.redis.zrangebyscore(this.keys[dimension], lo, hi);
  }

  queueMarkPending(pipeline: ChainableCommander, customerIds: string[]): void {
    if (customerIds.length > 0) pipeline.sadd(this.keys.pending, ...customerIds);
  }

  queueUnmarkPending(pipeline: ChainableCommander, customerIds: string[]): void {
    if (customerIds.length > 0) pipeline.srem(this.keys.pending, ...customerIds);
  }

  /** How many of the partition's customers each 'model:segment' holds. */
  async segmentCounts(): Promise<Record<string, number>> {
    const counts = await this.redis.hgetall(this.keys.segmentCounts);
    return Object.fromEntries(Object.entries(counts).map(([key, n]) => [key, Number(n)]));
  }

  async pending(): Promise<string[]> {
    return this.redis.smembers(this.keys.pending);
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
