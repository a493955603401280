// Where the processes of one consumer group meet before a thresholds tick. A
// version is computed from every partition's index, so it must wait until every
// partition of the topic has reached its day, whichever process owns it: each
// owner marks its partitions as prepared for the tick day, and the version is
// computed once all are. Before the first version, the owners agree on its day
// the same way, from every partition's clock and next record.
import type { Keys } from './keys.js';
import type { RedisClient } from './scripts.js';

/** What one partition says about the first tick: the day of its clock and of its next record, when it has them. */
export interface FirstTickVote {
  today: number | null;
  head: number | null;
}

export class TickBarrier {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    topic: string,
    private readonly partitionCount: number,
  ) {
    this.key = keys.tickBarrier(topic);
  }

  /** Marks `partitions` as prepared for the tick of `day`: all their records before it applied, the first half done. */
  async prepare(partitions: readonly number[], day: number): Promise<void> {
    if (partitions.length === 0) return;
    await this.redis.hset(this.key, Object.fromEntries(partitions.map((p) => [`p:${p}`, String(day)])));
  }

  /** Whether some partition is prepared for the tick of `day` (or a later one): a process waits for it. */
  async awaited(day: number): Promise<boolean> {
    const marks = await this.redis.hmget(this.key, ...this.fields('p'));
    return marks.some((mark) => mark !== null && Number(mark) >= day);
  }

  /** Whether every partition of the topic is prepared for the tick of `day` (or a later one). */
  async allPrepared(day: number): Promise<boolean> {
    const marks = await this.redis.hmget(this.key, ...this.fields('p'));
    return marks.every((mark) => mark !== null && Number(mark) >= day);
  }

  /**
   * Records the votes of `partitions` and returns the first tick day once every
   * partition has voted, null before (or when no partition has anything): after
   * the latest clock if any partition applied orders (they are all of days
   * before the tick), else after the earliest next record.
   */
  async firstTick(votes: ReadonlyMap<number, FirstTickVote>, cadenceDays: number): Promise<number | null> {
    if (votes.size > 0) {
      await this.redis.hset(
        this.key,
        Object.fromEntries([...votes].map(([p, vote]) => [`first:${p}`, JSON.stringify(vote)])),
      );
    }
    const [decided, ...all] = await this.redis.hmget(this.key, 'first', ...this.fields('first'));
    if (decided) return Number(decided);
    if (all.some((vote) => vote === null)) return null;
    const cast = all.map((vote) => JSON.parse(vote as string) as FirstTickVote);
    const after = (day: number) => (Math.floor(day / cadenceDays) + 1) * cadenceDays;
    const clocks = cast.flatMap((v) => (v.today === null ? [] : [v.today]));
    const heads = cast.flatMap((v) => (v.head === null ? [] : [v.head]));
    const day =
      clocks.length > 0 ? after(Math.max(...clocks)) : heads.length > 0 ? after(Math.min(...heads)) : null;
    if (day === null) return null;
    // The first to decide decides for all: a vote that changes later (new records) changes nothing.
    await this.redis.hsetnx(this.key, 'first', String(day));
    return Number(await this.redis.hget(this.key, 'first'));
  }

  private fields(kind: string): string[] {
    return Array.from({ length: this.partitionCount }, (_, p) => `${kind}:${p}`);
  }
}
