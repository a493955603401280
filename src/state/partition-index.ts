// One input partition's keys in Redis: its customers' member records, the sums
// over P, the segment and cohort counts, the churn-rate counts and the
// partition's clock. The processor keeps
// the same in memory (src/processor/member-index.ts) and writes here what changed.
import type { ChainableCommander } from 'ioredis';
import { RfmError } from '../errors.js';
import { execOrThrow } from './customer-store.js';
import type { Keys, PartitionKeys } from './keys.js';
import { batchOf } from './redis-batch.js';
import { commandName, queueScript, type RedisClient, WriteResult } from './scripts.js';

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

/** Arguments of one write longer than this are split: Lua's unpack takes a few thousand at most. */
const MAX_ARGS = 1000;

/**
 * Writes of one partition's keys, sent as one call of fencedWrites: applied only
 * while the process still owns the partition (its token is the stored one).
 */
export class PartitionWrites {
  private readonly keyIndex = new Map<string, number>();
  private readonly args: (string | number | Buffer)[] = [];

  constructor(private readonly owner: string) {}

  get empty(): boolean {
    return this.args.length === 0;
  }

  hset(key: string, ...fieldValues: (string | number | Buffer)[]): void {
    for (let i = 0; i < fieldValues.length; i += MAX_ARGS)
      this.push('HSET', key, fieldValues.slice(i, i + MAX_ARGS));
  }

  hsetnx(key: string, field: string, value: string): void {
    this.push('HSETNX', key, [field, value]);
  }

  hdel(key: string, ...fields: string[]): void {
    for (let i = 0; i < fields.length; i += MAX_ARGS) this.push('HDEL', key, fields.slice(i, i + MAX_ARGS));
  }

  del(key: string): void {
    this.push('DEL', key, []);
  }

  /** Queues the writes on `pipeline` as one call, refused (failing) unless `token` still owns the partition. */
  queue(pipeline: ChainableCommander, token: string): void {
    const keys = [this.owner, ...this.keyIndex.keys()];
    queueScript(pipeline, 'fencedWrites', [keys.length, ...keys, token, ...this.args]);
  }

  private push(command: string, key: string, args: (string | number | Buffer)[]): void {
    let index = this.keyIndex.get(key);
    if (index === undefined) {
      // KEYS[1] is the owner's.
      index = this.keyIndex.size + 2;
      this.keyIndex.set(key, index);
    }
    this.args.push(command, index, args.length, ...args);
  }
}

export class PartitionIndex {
  readonly keys: PartitionKeys;
  /** The token of this process's claim of the partition (`claim`); null before one. */
  token: string | null = null;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.keys = keys.partition(topic, partition);
  }

  /**
   * Takes the partition for a process assigned it at `assignedAt` (epoch ms):
   * false when a process assigned it later holds it. Writes of any owner before
   * are refused from then on.
   */
  async claim(assignedAt: number): Promise<boolean> {
    const run = (this.redis as unknown as Record<string, (...args: (string | number)[]) => Promise<number>>)[
      commandName('claimPartition')
    ];
    if (!run) throw new Error('claimPartition is not defined on this connection: call defineScripts');
    const token = await run.call(this.redis, this.keys.owner, assignedAt);
    this.token = token === WriteResult.CONFLICT ? null : String(token);
    return this.token !== null;
  }

  /** Whether the claim this process holds is still the partition's. */
  async owned(): Promise<boolean> {
    return this.token !== null && (await this.redis.hget(this.keys.owner, 'token')) === this.token;
  }

  /** Writes of this partition's keys, to queue with `queueWrites` once gathered. */
  writes(): PartitionWrites {
    return new PartitionWrites(this.keys.owner);
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

  queueMembers(pipeline: PartitionWrites, records: (string | Buffer)[]): void {
    if (records.length > 0) pipeline.hset(this.keys.members, ...records);
  }

  /** Sets count fields to their values, and deletes those at 0: a field exists only while it counts someone. */
  queueCounts(
    pipeline: PartitionWrites,
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

  queueSums(pipeline: PartitionWrites, sums: PopulationSums): void {
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
    pipeline: PartitionWrites,
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

  queueSetClock(pipeline: PartitionWrites, clock: PartitionClock): void {
    const fields: Record<string, string> = {};
    if (clock.today !== null) fields.today = String(clock.today);
    if (clock.thresholdsVersion !== null) fields.thresholds = clock.thresholdsVersion;
    if (clock.valueVersion != null) fields.value = clock.valueVersion;
    const flat = Object.entries(fields).flat();
    if (flat.length > 0) pipeline.hset(this.keys.clock, ...flat);
  }

  async setClock(clock: PartitionClock): Promise<void> {
    const writes = this.writes();
    this.queueSetClock(writes, clock);
    await this.send(writes);
  }

  /** Sends `writes` at once, fenced by this process's claim. */
  async send(writes: PartitionWrites): Promise<void> {
    const pipeline = batchOf(this.redis);
    writes.queue(pipeline, this.fence());
    await execOrThrow(pipeline).catch((error: unknown) => {
      throw asOwnershipLost(error);
    });
  }

  /** The token writes name; one no claim matches before `claim`. */
  fence(): string {
    return this.token ?? '';
  }
}

/** A fenced write refused: the partition was taken by another process (a rebalance moved it). */
export class PartitionRevoked extends RfmError {
  constructor(message = 'the partition was taken by another process: a rebalance moved it') {
    super('OWNERSHIP_LOST', message);
  }
}

/** A refusal of fencedWrites as PartitionRevoked; any other error as it is. */
export function asOwnershipLost(error: unknown): unknown {
  return error instanceof Error && error.message.startsWith('OWNERSHIP_LOST')
    ? new PartitionRevoked()
    : error;
}
