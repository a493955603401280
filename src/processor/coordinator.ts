// Drives the partitions of one input topic through event time together: orders
// are applied partition by partition up to the next thresholds tick; the tick
// happens once every partition has reached it (or has nothing more to read), so
// a version is computed from the population exactly as of its day, whatever the
// order in which partitions were read. When other processes of the consumer
// group own some of the partitions, they meet at each tick in Redis (TickBarrier).
//
// A drain does all it can in memory with O(1) round trips: one read of every
// full state its steps will need; what the steps did leaves in parts (a tick, or
// about a second of work), each published, stored and committed in one go while
// the next is computed (src/processor/shipper.ts). The population of every partition owned is held in memory
// (src/processor/member-index.ts), loaded from Redis when partitions are assigned
// and again after a failed step, which may have left memory ahead of Redis.

import type { ValueSettings } from '../domain/clv/value-model.js';
import { thresholdsFrom } from '../domain/population.js';
import { EMPTY_THRESHOLDS, type Thresholds } from '../domain/thresholds.js';
import { dayOf, isoDay } from '../domain/time.js';
import type { CustomerStore } from '../state/customer-store.js';
import type { Keys } from '../state/keys.js';
import { decodeMemberRecord } from '../state/member-record.js';
import { PartitionIndex, PartitionRevoked } from '../state/partition-index.js';
import type { RedisClient } from '../state/scripts.js';
import type { ThresholdsStore } from '../state/thresholds-store.js';
import { type FirstTickVote, TickBarrier } from '../state/tick-barrier.js';
import type { ValueModelStore } from '../state/value-model-store.js';
import { CustomerCache } from './customer-cache.js';
import { MemberIndex } from './member-index.js';
import {
  type InputOrder,
  PartitionProcessor,
  type Publisher,
  type RedisTimer,
} from './partition-processor.js';
import { MemoryPopulation } from './population.js';
import { Shipper } from './shipper.js';
import { StepWriter } from './step-writer.js';

/** A record read from a partition: an order, or null for a record that went to the DLQ. */
export interface QueuedRecord {
  offset: number;
  order: InputOrder['order'] | null;
  /** What the reader wants back with a late record, e.g. its bytes for the DLQ. */
  source?: unknown;
}

export interface CoordinatorOptions {
  redis: RedisClient;
  keys: Keys;
  customers: CustomerStore;
  thresholdsStore: ThresholdsStore;
  /** Where `rfm fit` stores value models; the current one is picked up between batches. */
  valueModels?: ValueModelStore;
  /** How a value model is applied. @default 365 days, no discounting */
  valueHorizonDays?: number;
  annualDiscountRate?: number;
  topic: string;
  /** Every partition of the topic: the population spans them all. */
  partitionCount: number;
  windowDays: number;
  cadenceDays: number;
  /** How many days before its partition's clock an order may be and still count. */
  allowedLatenessDays: number;
  /**
   * Live mode: when every assigned partition has read all it can, the clock
   * follows this wall clock (epoch ms) to its day, so customers who stop buying
   * are noticed even when no orders arrive. Absent: the clock is event time only,
   * and replays are deterministic.
   */
  wallClock?: () => number;
  /** Days without a purchase that make a customer lapsed in the churn rate; null or absent for none. */
  churnAfterDays?: number | null;
  publish: Publisher;
  /** Called for each order too late to count, before the offsets past it are reported processed. */
  onLate?: (partition: number, record: QueuedRecord) => Promise<void>;
  /** Called once records up to and including each offset are applied and their outputs sent. */
  onProcessed?: (offsets: { partition: number; offset: number }[]) => void | Promise<void>;
  /** Told what was processed and how long it took: the metrics' hook; it changes nothing. */
  observer?: CoordinatorObserver;
  /**
   * Called after each tick of a drain: the consumer's heartbeat, so that a long
   * drain keeps its group and lets a rebalance in. Throwing stops the drain;
   * the next one goes on where it stopped.
   */
  betweenSteps?: () => Promise<void>;
  /**
   * Full customer states kept in memory between parts, most recently used first,
   * by their weight (src/processor/customer-cache.ts, `stateWeight`: one and
   * their day buckets). @default 30000
   */
  cacheSize?: number;
  /**
   * The weight of the states one read loads at most; a drain needing more reads
   * again, and a day whose orders need more is applied a read at a time. @default 20000
   */
  readAhead?: number;
  /**
   * The weight of the states a part holds before it ends. A part's states stay in
   * memory until it is stored, whatever `cacheSize`; with this bound a day whose
   * customers weigh more is done in several parts. @default 120000
   */
  partWeight?: number;
}

export interface CoordinatorObserver {
  /** Orders applied on a partition (late ones excluded) and the largest event time among them. */
  applied(partition: number, orders: number, maxEventTime: number | null): void;
  ticked(seconds: number): void;
  timeRedis: RedisTimer;
}

/** How long a drain works before it ships what it did so far, if no tick ended a part before. */
const PART_MS = 1000;
/** How many changes a part holds at most, whatever the time. */
const PART_CHANGES = 20_000;
/** How long a tick waits for other processes' partitions before the drain returns (to come back on the next). */
const BARRIER_WAIT_MS = 1_000;
const BARRIER_POLL_MS = 10;

interface PartitionSlot {
  processor: PartitionProcessor;
  queue: QueuedRecord[];
  /** Whether everything the broker holds for the partition has been queued. */
  caughtUp: boolean;
}

export class Coordinator {
  private current: Thresholds = EMPTY_THRESHOLDS;
  private value: ValueSettings | null = null;
  private slots = new Map<number, PartitionSlot>();
  /** The partitions last assigned, whether or not their slots could be built. */
  private owned: number[] = [];
  private readonly partitions: PartitionIndex[];
  /** The customers of each partition owned, in memory; other partitions' are empty. */
  private members: MemberIndex[] = [];
  private readonly cache: CustomerCache;
  private readonly writer: StepWriter;
  private readonly timed: RedisTimer;
  private draining: Promise<void> = Promise.resolve();
  private halted = false;
  private readonly shipper: Shipper;
  /** The day up to which the drain in progress has loaded what its steps need. */
  private loadedThrough: number | null = null;
  /** The day whose orders are being read in parts (`loadFirst`), if any. */
  private splitDay: number | null = null;
  /** A step or a write failed (Redis or Kafka away): memory may be ahead of Redis. */
  private interrupted = false;
  /** Records of parts given up and not yet put back in the queues, per partition, oldest first. */
  private unstored = new Map<number, QueuedRecord[]>();
  private readonly barrier: TickBarrier;
  /** The tick day whose first half is done, while other processes' partitions have not reached it. */
  private preparedFor: number | null = null;
  /**
   * A rebalance has begun, or a partition was found taken by another process:
   * nothing is processed, published or written until the next `assign`.
   */
  private standingBy = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.partitions = Array.from(
      { length: options.partitionCount },
      (_, p) => new PartitionIndex(options.redis, options.keys, options.topic, p),
    );
    this.barrier = new TickBarrier(options.redis, options.keys, options.topic, options.partitionCount);
    this.timed = options.observer?.timeRedis ?? ((_operation, run) => run());
    this.writer = new StepWriter(options.redis);
    this.shipper = new Shipper(this.writer, options.publish, options.onProcessed, this.timed);
    this.cache = new CustomerCache(options.customers, options.cacheSize ?? 30_000, (run) =>
      this.timed('read_customers', run),
    );
  }

  get thresholds(): Thresholds {
    return this.current;
  }

  /** The value model version in use, or null before the first fit. */
  get valueVersion(): string | null {
    return this.value?.model.version ?? null;
  }

  /**
   * Takes ownership of partitions, assigned at `assignedAt` (epoch ms): claims
   * them in Redis (writes of their owner before are refused from then on; one a
   * process assigned later holds is left out), loads the population, restores
   * their clocks, publishes what a crash left unsent.
   */
  assign(partitions: number[], assignedAt: number = Date.now()): Promise<void> {
    // After any drain in progress: a rebalance must not pull partitions from under it.
    return this.serialise(async () => {
      this.owned = [...partitions];
      this.interrupted = true;
      this.standingBy = false;
      try {
        await this.assignNow(new Map(), assignedAt);
      } catch (error) {
        if (error instanceof PartitionRevoked) this.standingBy = true;
        throw error;
      }
      this.interrupted = false;
    });
  }

  /**
   * A rebalance has begun: stops at the next step boundary, and processes
   * nothing more until the partitions are assigned again. What is not stored
   * is read again by whoever owns the partitions next.
   */
  standBy(): void {
    this.standingBy = true;
  }

  /**
   * Builds the slots of the partitions owned anew from Redis, keeping the queues
   * of `carried` (records read and not yet done, those taken off but not known
   * durable first again), as a restart would, without reading them again.
   */
  private async assignNow(carried: Map<number, PartitionSlot>, claimAt?: number): Promise<void> {
    // Writes a failed drain sent may still land: Redis is read once they have.
    // Parts not stored are done again (their records put back first) or read again.
    // Kept until the slots are built: a read failing on the way (a cluster master
    // away) must not lose them, the next attempt puts them back.
    const unstored = joinRecords(this.unstored, await this.shipper.abandon());
    this.unstored = unstored;
    this.cache.clear();
    if (claimAt !== undefined) {
      // Claimed before anything is read: what is read then is no zombie's.
      const claimed = await Promise.all(this.owned.map((p) => this.indexOf(p).claim(claimAt)));
      this.owned = this.owned.filter((_, i) => claimed[i]);
    }
    const owned = new Set(this.owned);
    this.shipper.keepOffsetsOf(owned);
    this.current = (await this.options.thresholdsStore.current()) ?? EMPTY_THRESHOLDS;
    this.value = await this.loadValueSettings(null);
    this.members = await Promise.all(
      this.partitions.map((p) => (owned.has(p.partition) ? loadMembers(p) : new MemberIndex())),
    );
    if (claimAt === undefined) {
      // Read again without claiming: the partitions must still be this process's,
      // so that what was read is its own writes, not a new owner's.
      const still = await Promise.all(this.owned.map((p) => this.indexOf(p).owned()));
      if (still.includes(false)) throw new PartitionRevoked();
    }
    const processors: [number, PartitionProcessor][] = [];
    for (const partition of this.owned) {
      const index = this.indexOf(partition);
      const processor = new PartitionProcessor({
        customers: this.options.customers,
        cache: this.cache,
        members: this.members[partition] as MemberIndex,
        index,
        writer: this.writer,
        windowDays: this.options.windowDays,
        allowedLatenessDays: this.options.allowedLatenessDays,
        churnAfterDays: this.options.churnAfterDays ?? null,
        emit: (changes) => this.shipper.emit(changes),
        finish: () => this.finish(),
      });
      await processor.restore();
      await this.storeCounts(processor);
      this.loadedThrough = null;
      this.splitDay = null;
      await this.finishInterruptedTick(processor);
      await processor.useValueModel(this.value, this.current);
      await this.finish();
      processors.push([partition, processor]);
    }
    this.preparedFor = null;
    // At once, so records enqueued meanwhile land in a queue that is kept or dropped whole.
    this.slots = new Map(
      processors.map(([partition, processor]) => {
        const old = carried.get(partition);
        const queue = old ? [...(unstored.get(partition) ?? []), ...old.queue] : [];
        return [partition, { processor, queue, caughtUp: old?.caughtUp ?? false }];
      }),
    );
    this.unstored = new Map();
  }

  /**
   * Stores the partition's counts and sums as its member records give them: a
   * crash between storing records and counts left them apart, and this mends it.
   */
  private async storeCounts(processor: PartitionProcessor): Promise<void> {
    const { members } = processor;
    const index = this.indexOf(processor.partition);
    // One script: applied whole, as the transaction it replaces.
    const writes = index.writes();
    writes.del(index.keys.segmentCounts);
    writes.del(index.keys.cohorts);
    index.queueCounts(writes, 'segmentCounts', members.segmentCounts);
    index.queueCounts(writes, 'cohorts', members.cohortCounts);
    if (members.size > 0) {
      index.queueSums(writes, {
        n: members.byF.size,
        lastPurchaseDay: members.byLastPurchaseDay.sum,
        f: members.byF.sum,
        m: members.byM.sum,
      });
    }
    await index.send(writes);
  }

  private indexOf(partition: number): PartitionIndex {
    const index = this.partitions[partition];
    if (!index) throw new Error(`partition ${partition} is outside the topic's ${this.partitions.length}`);
    return index;
  }

  /** A crash between storing a version and re-evaluating a partition with it: finish the job. */
  private async finishInterruptedTick(processor: PartitionProcessor): Promise<void> {
    const { current } = this;
    if (current.day === null || processor.thresholdsVersion === current.version) return;
    const previous =
      (processor.thresholdsVersion &&
        (await this.options.thresholdsStore.get(processor.thresholdsVersion))) ||
      EMPTY_THRESHOLDS;
    await processor.prepareTick(current.day, previous);
    await processor.completeTick(current.day, previous, current);
  }

  enqueue(partition: number, records: QueuedRecord[], caughtUp: boolean): void {
    const slot = this.slots.get(partition);
    if (!slot) return;
    for (const record of records) slot.queue.push(record);
    slot.caughtUp = caughtUp;
  }

  /** Marks a partition as having nothing more to read right now (or something new to read). */
  setCaughtUp(partition: number, caughtUp: boolean): void {
    const slot = this.slots.get(partition);
    if (slot && slot.queue.length === 0) slot.caughtUp = caughtUp;
  }

  /** The clock day of each partition owned (null before its first event). */
  clocks(): Map<number, number | null> {
    return new Map([...this.slots].map(([partition, slot]) => [partition, slot.processor.today]));
  }

  queuedCount(partition: number): number {
    return this.slots.get(partition)?.queue.length ?? 0;
  }

  /**
   * Stops draining at the next tick boundary, leaving the rest queued: a stop
   * then waits for one step, not for the whole backlog. Not undone.
   */
  halt(): void {
    this.halted = true;
  }

  /**
   * Processes all that can be processed now. Calls are serialised. With
   * `settle` (the default) it resolves once what it did is published, stored
   * and committed; without, the last part ships while the caller goes on (the
   * next drain waits for it before shipping its own, and fails if it failed).
   */
  drain({ settle = true }: { settle?: boolean } = {}): Promise<void> {
    return this.serialise(() => this.drainNow(settle));
  }

  /** Whether a partition without queued records may still have some to read: the next tick may wait for it. */
  get waitingToHear(): boolean {
    return [...this.slots.values()].some((s) => s.queue.length === 0 && !s.caughtUp);
  }

  /** Runs `step` after every step before it; a failed step fails its caller, not the ones after. */
  private serialise(step: () => Promise<void>): Promise<void> {
    const run = this.draining.then(step);
    this.draining = run.catch(() => undefined);
    return run;
  }

  /** The current value model, read when its version differs from `known`'s. */
  private async loadValueSettings(known: ValueSettings | null): Promise<ValueSettings | null> {
    const store = this.options.valueModels;
    if (!store) return null;
    const version = await store.currentVersion();
    if (version === (known?.model.version ?? null)) return known;
    const model = version ? await store.get(version) : null;
    if (!model) return null;
    return {
      model,
      horizonDays: this.options.valueHorizonDays ?? 365,
      annualDiscountRate: this.options.annualDiscountRate ?? 0,
    };
  }

  /** Takes a value model `rfm fit` saved since the last look: no restart needed. */
  private async refreshValueModel(): Promise<void> {
    const next = await this.timed('read_value_model', () => this.loadValueSettings(this.value));
    if (next === this.value) return;
    this.value = next;
    for (const slot of this.slots.values()) await slot.processor.useValueModel(next, this.current);
  }

  private async drainNow(settle: boolean): Promise<void> {
    // Nothing is done for partitions that may be another process's now.
    if (this.standingBy) return;
    try {
      if (this.interrupted) await this.resume();
      else if (this.shipper.stalledBy !== null) {
        // What a failed publish or commit left waiting goes first, as it was.
        this.shipper.resume();
        await this.finish();
      }
      // Without partitions (more processes than partitions) there is nothing to do.
      if (this.slots.size === 0) return;
      await this.refreshValueModel();
      this.loadedThrough = null;
      await this.process();
      if (settle) await this.finish();
      else {
        await this.endPart();
        this.cache.release();
      }
    } catch (error) {
      // A part on its way lands or fails before anything is read again.
      await this.shipper.shipped().catch(() => undefined);
      // A failed publish or commit is retried as it was; any other failure may
      // leave memory ahead of Redis, which is then taken from Redis again.
      if (error !== this.shipper.stalledBy) this.interrupted = true;
      // A partition taken by another process: nothing more until the rebalance assigns again.
      if (error instanceof PartitionRevoked) this.standingBy = true;
      throw error;
    }
  }

  /**
   * After a failed step or write, before the next step: waits for the writes
   * sent, then takes the population, the clocks and the thresholds version from
   * Redis again and finishes a tick left half done, as a restart would, keeping
   * what is queued. Records whose parts were not stored are done again: those
   * applied are skipped, the others make their changes again (same ids).
   */
  private async resume(): Promise<void> {
    await this.assignNow(this.slots);
    this.interrupted = false;
  }

  private async process(): Promise<void> {
    let since = performance.now();
    while (!this.halted && !this.standingBy) {
      // A long backlog is done in parts (a tick, or about a second), every part
      // published, stored and committed: outputs do not wait for the whole backlog,
      // the commits keep the consumer in its group, and a crash loses one part at most.
      if (
        performance.now() - since > PART_MS ||
        this.shipper.pending > PART_CHANGES ||
        this.cache.heldWeight > (this.options.partWeight ?? 120_000)
      ) {
        await this.endPart();
        // Every part before is stored: the customers they wrote may leave the cache.
        this.cache.release();
        this.loadedThrough = null;
        since = performance.now();
      }
      const slots = [...this.slots.entries()];
      // Until every partition has shown its next record or its end, the first tick is
      // unknown; later ones are a cadence apart, and orders before them can go ahead.
      if (this.current.day === null && slots.some(([, s]) => s.queue.length === 0 && !s.caughtUp)) return;
      const nextTick = await this.nextTick(slots);
      if (nextTick === null) {
        // No tick in sight yet; records that went to the DLQ wait for none.
        for (const [partition, slot] of slots)
          await this.applyBefore(partition, slot, Number.MIN_SAFE_INTEGER);
        return;
      }
      const lastBefore = Math.max(
        ...slots.map(([, s]) => lastDayBefore(s, nextTick)),
        Number.NEGATIVE_INFINITY,
      );
      const firstOnly = Number.isFinite(lastBefore) ? await this.load(lastBefore, 'orders') : null;
      for (const [partition, slot] of slots)
        await this.applyBefore(partition, slot, nextTick, firstOnly?.get(partition));
      // A day read in parts: its next orders, in this part or the next.
      if (firstOnly) continue;
      const blocked = slots.every(
        ([, s]) => (s.queue.length > 0 && headDay(s) >= nextTick) || (s.queue.length === 0 && s.caughtUp),
      );
      const anyWaiting = slots.some(([, s]) => s.queue.length > 0);
      if (!blocked) return;
      // Nothing to tick for here: unless the wall clock says so, or another process waits for this one.
      if (
        !anyWaiting &&
        !this.idleUntil(nextTick) &&
        (this.ownsAll || !(await this.barrier.awaited(nextTick)))
      )
        return;
      await this.load(nextTick, 'tick');
      if (!(await this.tick(nextTick))) return;
      await this.endPart();
      await this.options.betweenSteps?.();
    }
  }

  /**
   * Reads every full state the steps up to `day` need (and, while the bound
   * allows, those of the days after it that are queued): customers with queued
   * orders, or due. One round trip for many steps.
   * For the `orders` of `day` and before: when their states alone weigh more
   * than the bound, reads only those of the first orders (`loadFirst`) and
   * returns how many records of each partition they cover; null when all were
   * read. For the `tick` of `day`: the orders of `day` are read while the bound
   * allows, those of the clock's move to it whatever it.
   */
  private async load(day: number, use: 'orders' | 'tick'): Promise<Map<number, number> | null> {
    if (this.loadedThrough !== null && day <= this.loadedThrough) return null;
    const limit = this.options.readAhead ?? 20_000;
    // The rest of a day read in parts: its next orders, without looking past it again.
    if (use === 'orders' && this.splitDay === day) return this.loadFirst(day, limit, this.dueWithin(day));
    this.splitDay = null;
    const slots = [...this.slots.values()];
    const hi = Math.max(day, ...slots.map((s) => lastDay(s)));
    // Every customer the steps up to `hi` need, with the first day that needs it
    // (those needed by a day are the ones whose first day is up to it) and the
    // weight of its state as its member record tells it.
    const firstDay = new Map<string, number>();
    const weights = new Map<string, number>();
    // Those of them the clock's moves need: the due.
    const due = new Map<string, number>();
    const note = (needs: number, id: string, weight: number) => {
      const known = firstDay.get(id);
      if (known === undefined || needs < known) firstDay.set(id, needs);
      weights.set(id, weight);
    };
    for (const slot of slots) {
      const { members } = slot.processor;
      for (const record of slot.queue) {
        if (!record.order) continue;
        const needs = dayOf(record.order.eventTime);
        const id = record.order.customerId;
        if (needs <= hi) note(needs, id, members.stateWeightOf(members.slotOf(id)));
      }
      slot.processor.neededWithin(hi, (needs, id, weight) => {
        note(needs, id, weight);
        const known = due.get(id);
        if (known === undefined || needs < known) due.set(id, needs);
      });
    }
    if (use === 'orders') {
      let fresh = 0;
      for (const [id, needs] of firstDay)
        if (needs <= day && !this.cache.holds(id)) fresh += weights.get(id) as number;
      if (fresh > limit) {
        this.splitDay = day;
        return this.loadFirst(day, limit, due);
      }
    }
    let total = 0;
    for (const weight of weights.values()) total += weight;
    // Read whatever the bound: the needs of the days before `day`, and of `day` for its orders.
    const must = use === 'orders' ? day : day - 1;
    let upTo = hi;
    if (total > limit) {
      // The furthest day whose needs stay within the bound (at least those that must be read).
      const perDay = new Map<number, number>();
      for (const [id, needs] of firstDay)
        perDay.set(needs, (perDay.get(needs) ?? 0) + (weights.get(id) as number));
      let count = 0;
      upTo = must;
      for (const needs of [...perDay.keys()].sort((a, b) => a - b)) {
        count += perDay.get(needs) as number;
        if (count > limit) {
          upTo = Math.max(must, needs - 1);
          break;
        }
      }
    }
    const ids: string[] = [];
    for (const [id, needs] of firstDay)
      if (needs <= upTo || (due.get(id) ?? Number.POSITIVE_INFINITY) <= day) ids.push(id);
    await this.cache.load(ids);
    this.loadedThrough = upTo;
    return null;
  }

  /** The customers the clock's moves up to `day` need, with the first day that needs each. */
  private dueWithin(day: number): Map<string, number> {
    const due = new Map<string, number>();
    for (const slot of this.slots.values())
      slot.processor.neededWithin(day, (needs, id) => {
        const known = due.get(id);
        if (known === undefined || needs < known) due.set(id, needs);
      });
    return due;
  }

  /**
   * Reads the states of the first queued orders of `day` and before, a record of
   * each partition in turn, while the weight of those not held yet stays within
   * `limit` (one customer's at least), and of the customers the clock's moves up
   * to the last of their days need (`due`: the first day that needs each).
   * Returns how many records of each partition that covers.
   */
  private async loadFirst(
    day: number,
    limit: number,
    due: Map<string, number>,
  ): Promise<Map<number, number>> {
    const slots = [...this.slots.entries()];
    const covered = new Map<number, number>(slots.map(([partition]) => [partition, 0]));
    const ids = new Set<string>();
    let weight = 0;
    let last = Number.NEGATIVE_INFINITY;
    walk: for (let moved = true; moved; ) {
      moved = false;
      for (const [partition, slot] of slots) {
        const n = covered.get(partition) as number;
        const record = slot.queue[n];
        if (!record || recordDay(record) > day) continue;
        if (record.order) {
          const id = record.order.customerId;
          if (!ids.has(id) && !this.cache.holds(id)) {
            const { members } = slot.processor;
            const more = members.stateWeightOf(members.slotOf(id));
            if (weight > 0 && weight + more > limit) break walk;
            ids.add(id);
            weight += more;
          }
          last = Math.max(last, recordDay(record));
        }
        covered.set(partition, n + 1);
        moved = true;
      }
    }
    for (const [id, needs] of due) if (needs <= last) ids.add(id);
    await this.cache.load(ids);
    return covered;
  }

  /** Whether the wall clock lets idle partitions tick at `day`: they have read everything, and `day` has begun. */
  private idleUntil(day: number): boolean {
    const { wallClock } = this.options;
    if (!wallClock || this.current.day === null) return false;
    return (
      [...this.slots.values()].every((s) => s.queue.length === 0 && s.caughtUp) && day <= dayOf(wallClock())
    );
  }

  /** Whether this process owns every partition of the topic: no other process to wait for. */
  private get ownsAll(): boolean {
    return this.slots.size === this.options.partitionCount;
  }

  private async nextTick(slots: [number, PartitionSlot][]): Promise<number | null> {
    const { cadenceDays } = this.options;
    if (this.current.day !== null) return this.current.day + cadenceDays;
    const votes = new Map<number, FirstTickVote>(
      slots.map(([partition, s]) => [partition, { today: s.processor.today, head: firstOrderDay(s) }]),
    );
    if (!this.ownsAll) return this.barrier.firstTick(votes, cadenceDays);
    const after = (day: number) => (Math.floor(day / cadenceDays) + 1) * cadenceDays;
    // Before the first tick, orders already applied fix it: they are all of days
    // before it, and the latest of them is in its cadence period. Taking it from
    // the records queued now would depend on where the batches were cut.
    const clocks = [...votes.values()].flatMap((v) => (v.today === null ? [] : [v.today]));
    if (clocks.length > 0) return after(Math.max(...clocks));
    const heads = [...votes.values()].flatMap((v) => (v.head === null ? [] : [v.head]));
    if (heads.length === 0) return null;
    return after(Math.min(...heads));
  }

  /** Applies the queued records of days before `tickDay`, the first `most` of them at most. */
  private async applyBefore(
    partition: number,
    slot: PartitionSlot,
    tickDay: number,
    most = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    let n = 0;
    while (n < most && n < slot.queue.length && recordDay(slot.queue[n] as QueuedRecord) < tickDay) n++;
    if (n === 0) return;
    // Records applied after the first half of a tick: it is done again, as of the tick.
    this.preparedFor = null;
    // Taken off the queue once applied, and kept until their writes are durable: a
    // failed step leaves them to the next drain, which skips those applied already
    // (their customers' offsets say so).
    const records = slot.queue.slice(0, n);
    const orders = records.flatMap((r) => (r.order ? [{ order: r.order, offset: r.offset }] : []));
    const late = await slot.processor.applyOrders(orders, this.current, this.options.allowedLatenessDays);
    slot.queue.splice(0, n);
    this.shipper.applied(partition, records);
    const lateSet = new Set(late);
    let applied = 0;
    let maxEventTime: number | null = null;
    for (const o of orders) {
      if (lateSet.has(o)) continue;
      applied += 1;
      maxEventTime = Math.max(maxEventTime ?? o.order.eventTime, o.order.eventTime);
    }
    this.options.observer?.applied(partition, applied, maxEventTime);
    if (late.length > 0) {
      const byOffset = new Map(records.map((r) => [r.offset, r]));
      for (const { offset } of late)
        await this.options.onLate?.(partition, byOffset.get(offset) as QueuedRecord);
    }
  }

  /**
   * Computes the version of `day` from every partition's population and
   * re-evaluates with it. False, the first half done, while partitions of other
   * processes have not reached `day`: the next drain comes back to it.
   */
  private async tick(day: number): Promise<boolean> {
    const started = performance.now();
    const previous = this.current;
    const processors = [...this.slots.values()].map((s) => s.processor);
    if (this.preparedFor !== day) {
      for (const p of processors) await p.prepareTick(day, previous);
      this.preparedFor = day;
    }
    const next = this.ownsAll ? await this.computeVersion(day) : await this.agreedVersion(day);
    if (!next) return false;
    this.preparedFor = null;
    this.current = next;
    for (const p of processors) await p.completeTick(day, previous, next);
    this.options.observer?.ticked((performance.now() - started) / 1000);
    return true;
  }

  /**
   * The version of `day` from the population of every partition, all owned here.
   * Stored once the first half's writes are (which fails for a process that lost
   * its partitions meanwhile), first stored wins, as in `agreedVersion`: a version
   * is never replaced, and the one stored is the one used.
   */
  private async computeVersion(day: number): Promise<Thresholds> {
    const next = await thresholdsFrom(new MemoryPopulation(this.members), day);
    await this.finish();
    return this.options.thresholdsStore.saveFirst(next);
  }

  /**
   * The version of `day` once every partition of the topic is prepared for it:
   * the one another process stored, or computed here from the population of
   * every partition as stored by its owner. When two compute it at once, the
   * first stored wins: it was computed before anyone could move past `day`,
   * which needs a stored version. Null when still waiting after a while.
   */
  private async agreedVersion(day: number): Promise<Thresholds | null> {
    // The first half's writes are durable before the other processes may read them.
    await this.finish();
    await this.barrier.prepare([...this.slots.keys()], day);
    for (let waited = 0; ; waited += BARRIER_POLL_MS) {
      const stored = await this.options.thresholdsStore.get(isoDay(day));
      if (stored) return stored;
      if (await this.barrier.allPrepared(day)) {
        const population = await Promise.all(
          this.partitions.map((p) =>
            this.slots.has(p.partition) ? (this.members[p.partition] as MemberIndex) : loadMembers(p),
          ),
        );
        const computed = await thresholdsFrom(new MemoryPopulation(population), day);
        return this.options.thresholdsStore.saveFirst(computed);
      }
      if (waited >= BARRIER_WAIT_MS || this.halted || this.standingBy) return null;
      await new Promise((resolve) => setTimeout(resolve, BARRIER_POLL_MS));
    }
  }

  /**
   * Ends a part: ships it once the part before it is stored, without waiting:
   * one part at most is on its way while the next is computed. The cache keeps
   * every customer the parts on their way wrote (Redis may not have them yet):
   * a `release` after this one evicts only customers of the parts before.
   */
  private async endPart(): Promise<void> {
    await this.shipper.shipped();
    this.shipper.seal();
  }

  /** Ships what the steps did and waits until every part is published, stored and committed. */
  private async finish(): Promise<void> {
    this.shipper.seal();
    await this.shipper.shipped();
    this.cache.release();
  }
}

/** The partition's member records as stored. */
async function loadMembers(index: PartitionIndex): Promise<MemberIndex> {
  const members = new MemberIndex();
  for await (const page of index.members()) {
    for (const [id, record] of page) members.set(id, decodeMemberRecord(record), true);
  }
  members.takeChanges();
  return members;
}

function headDay(slot: PartitionSlot): number {
  return recordDay(slot.queue[0] as QueuedRecord);
}

/** The day of the first queued order (records that went to the DLQ have none), or null. */
function firstOrderDay(slot: PartitionSlot): number | null {
  const first = slot.queue.find((r) => r.order);
  return first ? recordDay(first) : null;
}

/** The latest day of the orders queued before `tickDay`. */
function lastDayBefore(slot: PartitionSlot, tickDay: number): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const record of slot.queue) {
    const day = recordDay(record);
    if (day >= tickDay) break;
    if (day > last) last = day;
  }
  return last;
}

function lastDay(slot: PartitionSlot): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const record of slot.queue) last = Math.max(last, recordDay(record));
  return last;
}

/** A DLQ'd record has no day: it never waits for a tick. */
function recordDay(record: QueuedRecord): number {
  return record.order ? dayOf(record.order.eventTime) : Number.NEGATIVE_INFINITY;
}

/** The records of `earlier` then those of `later`, per partition. */
function joinRecords(
  earlier: Map<number, QueuedRecord[]>,
  later: Map<number, QueuedRecord[]>,
): Map<number, QueuedRecord[]> {
  const joined = new Map<number, QueuedRecord[]>();
  for (const records of [earlier, later]) {
    for (const [partition, list] of records)
      joined.set(partition, [...(joined.get(partition) ?? []), ...list]);
  }
  return joined;
}
