// Drives the partitions of one input topic through event time together: orders
// are applied partition by partition up to the next thresholds tick; the tick
// happens once every partition has reached it (or has nothing more to read), so
// a version is computed from the population exactly as of its day, whatever the
// order in which partitions were read. When other processes of the consumer
// group own some of the partitions, they meet at each tick in Redis (TickBarrier).

import type { ValueSettings } from '../domain/clv/value-model.js';
import { thresholdsFrom } from '../domain/population.js';
import { EMPTY_THRESHOLDS, type Thresholds } from '../domain/thresholds.js';
import { dayOf, isoDay } from '../domain/time.js';
import type { CustomerStore } from '../state/customer-store.js';
import type { Keys } from '../state/keys.js';
import { PartitionIndex } from '../state/partition-index.js';
import { RedisPopulation } from '../state/population.js';
import type { RedisClient } from '../state/scripts.js';
import type { ThresholdsStore } from '../state/thresholds-store.js';
import { type FirstTickVote, TickBarrier } from '../state/tick-barrier.js';
import type { ValueModelStore } from '../state/value-model-store.js';
import {
  type InputOrder,
  PartitionProcessor,
  type Publisher,
  type RedisTimer,
} from './partition-processor.js';

/** A record read from a partition: an order, or null for a record that went to the DLQ. */
export interface QueuedRecord {
  offset: number;
  order: InputOrder['order'] | null;
  /** What the reader wants back with a late record, e.g. the original message for the DLQ. */
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
  /** Called once records up to and including `offset` are applied and their outputs sent. */
  onProcessed?: (partition: number, offset: number) => void | Promise<void>;
  /** Told what was processed and how long it took: the metrics' hook; it changes nothing. */
  observer?: CoordinatorObserver;
  /**
   * Called after each tick of a drain: the consumer's heartbeat, so that a long
   * drain keeps its group and lets a rebalance in. Throwing stops the drain;
   * the next one goes on where it stopped.
   */
  betweenSteps?: () => Promise<void>;
}

export interface CoordinatorObserver {
  /** Orders applied on a partition (late ones excluded) and the largest event time among them. */
  applied(partition: number, orders: number, maxEventTime: number | null): void;
  ticked(seconds: number): void;
  timeRedis: RedisTimer;
}

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
  private readonly indexes: PartitionIndex[];
  private draining: Promise<void> = Promise.resolve();
  private halted = false;
  /** A step failed (Kafka away): the clocks in memory may be behind Redis, and outboxes unsent. */
  private interrupted = false;
  private readonly barrier: TickBarrier;
  /** The tick day whose first half is done, while other processes' partitions have not reached it. */
  private preparedFor: number | null = null;

  constructor(private readonly options: CoordinatorOptions) {
    this.indexes = Array.from(
      { length: options.partitionCount },
      (_, p) => new PartitionIndex(options.redis, options.keys, options.topic, p),
    );
    this.barrier = new TickBarrier(options.redis, options.keys, options.topic, options.partitionCount);
  }

  get thresholds(): Thresholds {
    return this.current;
  }

  /** The value model version in use, or null before the first fit. */
  get valueVersion(): string | null {
    return this.value?.model.version ?? null;
  }

  /** Takes ownership of partitions: restores their clocks, publishes what a crash left unsent. */
  assign(partitions: number[]): Promise<void> {
    // After any drain in progress: a rebalance must not pull partitions from under it.
    return this.serialise(async () => {
      await this.assignNow(partitions);
      this.interrupted = false;
    });
  }

  /** Builds the partitions' slots anew, keeping the queues of `carried` (records read and not yet done). */
  private async assignNow(partitions: number[], carried = new Map<number, PartitionSlot>()): Promise<void> {
    const processors: [number, PartitionProcessor][] = [];
    this.current = (await this.options.thresholdsStore.current()) ?? EMPTY_THRESHOLDS;
    this.value = await this.loadValueSettings(null);
    for (const partition of partitions) {
      const index = this.indexes[partition];
      if (!index) throw new Error(`partition ${partition} is outside the topic's ${this.indexes.length}`);
      const processor = new PartitionProcessor({
        redis: this.options.redis,
        customers: this.options.customers,
        index,
        windowDays: this.options.windowDays,
        allowedLatenessDays: this.options.allowedLatenessDays,
        churnAfterDays: this.options.churnAfterDays ?? null,
        publish: this.options.publish,
        ...(this.options.observer ? { timeRedis: this.options.observer.timeRedis } : {}),
      });
      await processor.restore();
      await this.finishInterruptedTick(processor);
      await processor.useValueModel(this.value, this.current);
      processors.push([partition, processor]);
    }
    this.preparedFor = null;
    // At once, so records enqueued meanwhile land in a queue that is kept or dropped whole.
    this.slots = new Map(
      processors.map(([partition, processor]) => {
        const old = carried.get(partition);
        return [partition, { processor, queue: old?.queue ?? [], caughtUp: old?.caughtUp ?? false }];
      }),
    );
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
    slot.queue.push(...records);
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

  /** Processes all that can be processed now. Calls are serialised. */
  drain(): Promise<void> {
    return this.serialise(() => this.drainNow());
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
    const next = await this.loadValueSettings(this.value);
    if (next === this.value) return;
    this.value = next;
    for (const slot of this.slots.values()) await slot.processor.useValueModel(next, this.current);
  }

  private async drainNow(): Promise<void> {
    try {
      if (this.interrupted) await this.resume();
      await this.drainSteps();
    } catch (error) {
      this.interrupted = true;
      throw error;
    }
  }

  /**
   * After a failed step, before the next: takes the clocks and the thresholds
   * version from Redis again, publishes what the outboxes still hold, and
   * finishes a tick left half done, as a restart would, keeping what is queued.
   * The records of the failed step are still queued: applied ones are skipped.
   */
  private async resume(): Promise<void> {
    await this.assignNow([...this.slots.keys()], this.slots);
    this.interrupted = false;
  }

  private async drainSteps(): Promise<void> {
    // Without partitions (more processes than partitions) there is nothing to tick for.
    if (this.slots.size === 0) return;
    await this.refreshValueModel();
    while (!this.halted) {
      const slots = [...this.slots.entries()];
      // Until every partition has shown its next record or its end, the next tick is unknown.
      if (slots.some(([, s]) => s.queue.length === 0 && !s.caughtUp)) return;
      const nextTick = await this.nextTick(slots);
      if (nextTick === null) {
        // No tick in sight yet; records that went to the DLQ wait for none.
        for (const [partition, slot] of slots)
          await this.applyBefore(partition, slot, Number.MIN_SAFE_INTEGER);
        return;
      }
      for (const [partition, slot] of slots) await this.applyBefore(partition, slot, nextTick);
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
      if (!(await this.tick(nextTick))) return;
      await this.options.betweenSteps?.();
    }
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

  private async applyBefore(partition: number, slot: PartitionSlot, tickDay: number): Promise<void> {
    let n = 0;
    while (n < slot.queue.length && recordDay(slot.queue[n] as QueuedRecord) < tickDay) n++;
    if (n === 0) return;
    // Records applied after the first half of a tick: it is done again, as of the tick.
    this.preparedFor = null;
    // Dequeued only once done: a step that fails is done again, skipping what it applied.
    const records = slot.queue.slice(0, n);
    const orders = records.flatMap((r) => (r.order ? [{ order: r.order, offset: r.offset }] : []));
    const late = await slot.processor.applyOrders(orders, this.current, this.options.allowedLatenessDays);
    const applied = orders.filter((o) => !late.includes(o));
    this.options.observer?.applied(
      partition,
      applied.length,
      applied.reduce<number | null>((max, o) => Math.max(max ?? o.order.eventTime, o.order.eventTime), null),
    );
    for (const { offset } of late) {
      await this.options.onLate?.(partition, records.find((r) => r.offset === offset) as QueuedRecord);
    }
    await this.options.onProcessed?.(partition, (records[records.length - 1] as QueuedRecord).offset);
    slot.queue.splice(0, n);
  }

  /**
   * Computes the version of `day` from every partition's index and re-evaluates
   * with it. False, the first half done, while partitions of other processes
   * have not reached `day`: the next drain comes back to it.
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

  private async computeVersion(day: number): Promise<Thresholds> {
    const next = await thresholdsFrom(new RedisPopulation(this.options.redis, this.indexes), day);
    await this.options.thresholdsStore.save(next);
    return next;
  }

  /**
   * The version of `day` once every partition of the topic is prepared for it:
   * the one another process stored, or computed here. When two compute it at
   * once, the first stored wins: it was computed before anyone could move past
   * `day`, which needs a stored version. Null when still waiting after a while.
   */
  private async agreedVersion(day: number): Promise<Thresholds | null> {
    await this.barrier.prepare([...this.slots.keys()], day);
    for (let waited = 0; ; waited += BARRIER_POLL_MS) {
      const stored = await this.options.thresholdsStore.get(isoDay(day));
      if (stored) return stored;
      if (await this.barrier.allPrepared(day)) {
        const computed = await thresholdsFrom(new RedisPopulation(this.options.redis, this.indexes), day);
        return this.options.thresholdsStore.saveFirst(computed);
      }
      if (waited >= BARRIER_WAIT_MS || this.halted) return null;
      await new Promise((resolve) => setTimeout(resolve, BARRIER_POLL_MS));
    }
  }
}

function headDay(slot: PartitionSlot): number {
  return recordDay(slot.queue[0] as QueuedRecord);
}

/** The day of the first queued order (records that went to the DLQ have none), or null. */
function firstOrderDay(slot: PartitionSlot): number | null {
  const first = slot.queue.find((r) => r.order);
  return first ? recordDay(first) : null;
}

/** A DLQ'd record has no day: it never waits for a tick. */
function recordDay(record: QueuedRecord): number {
  return record.order ? dayOf(record.order.eventTime) : Number.NEGATIVE_INFINITY;
}
