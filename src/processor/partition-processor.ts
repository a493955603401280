// Processes one input partition: applies its orders, moves its clock day by day
// (re-evaluating the customers due), takes new thresholds versions. Works on the
// partition's member index in memory and the full states the coordinator loaded;
// each step's writes make one pipeline (member records, counts, customer states,
// clock, in that order), sent by the coordinator once the step's changes are
// published.
import type { OutputChange, Trigger } from '../domain/changes.js';
import { activeOn, lapseRanges } from '../domain/churn-rate.js';
import type { ValueSettings } from '../domain/clv/value-model.js';
import { applyOrder } from '../domain/customer.js';
import { factsOf } from '../domain/facts.js';
import type { Order } from '../domain/order.js';
import type { Thresholds } from '../domain/thresholds.js';
import { dayOf, isoDay, isoMonth, monthStart, nextMonthStart, startOfDay } from '../domain/time.js';
import type { CustomerStore } from '../state/customer-store.js';
import { encodeMemberRecord, type MemberRecord } from '../state/member-record.js';
import type { PartitionIndex } from '../state/partition-index.js';
import { endPhase } from '../state/redis-batch.js';
import { encodeCustomerRecord, recordVersion } from '../state/state-codec.js';
import { affectedRanges } from './affected.js';
import type { CustomerCache, LoadedCustomer } from './customer-cache.js';
import { type Evaluation, type EvaluationRules, emptyRecord, evaluate, evaluateRecord } from './evaluate.js';
import type { MemberIndex } from './member-index.js';
import type { StepWriter } from './step-writer.js';

export interface InputOrder {
  order: Order;
  offset: number;
}

/** Sends changes downstream; resolves once they are durable there. */
export type Publisher = (changes: OutputChange[]) => Promise<void>;

/** The Redis round trips of processing (src/ops/metrics.ts, REDIS_OPERATIONS). */
export type RedisOperation = 'read_customers' | 'write_customers' | 'read_value_model';

/** Runs a Redis round trip of processing; the metrics time it. */
export type RedisTimer = <T>(operation: RedisOperation, run: () => Promise<T>) => Promise<T>;

export interface PartitionProcessorDeps {
  customers: CustomerStore;
  cache: CustomerCache;
  /** The partition's customers in memory. */
  members: MemberIndex;
  /** The partition's keys in Redis. */
  index: PartitionIndex;
  writer: StepWriter;
  windowDays: number;
  /** How far behind the clock an order may still be applied: the watermark is the clock less this. */
  allowedLatenessDays: number;
  /** Days without a purchase that make a customer lapsed in the churn rate; null for no churn rate. */
  churnAfterDays: number | null;
  /** Told of every change a step makes, to publish before the step's writes are sent. */
  emit: (changes: OutputChange[]) => void;
  /** Publishes the changes emitted so far, then stores the steps that made them: a long pass calls it between parts. */
  finish: () => Promise<void>;
}

/** One month start's churn-rate counts, as `PartitionIndex.queueSetLapseCounts` stores them. */
interface LapseSnapshot {
  active: [string, number];
  churned: [string, number];
}

export class PartitionProcessor {
  /** The day this partition's customers are evaluated as of; null before its first event. */
  today: number | null = null;
  thresholdsVersion: string | null = null;
  /** The value model version every customer of the partition has been re-evaluated with; null for none. */
  valueVersion: string | null = null;
  private value: ValueSettings | null = null;
  private heldForTick = new Set<string>();
  private heldLapses: LapseSnapshot[] | null = null;

  constructor(private readonly deps: PartitionProcessorDeps) {}

  private get rules(): EvaluationRules {
    return {
      windowDays: this.deps.windowDays,
      allowedLatenessDays: this.deps.allowedLatenessDays,
      value: this.value,
    };
  }

  get partition(): number {
    return this.deps.index.partition;
  }

  get members(): MemberIndex {
    return this.deps.members;
  }

  /** Loads the clock. */
  async restore(): Promise<void> {
    const clock = await this.deps.index.clock();
    this.today = clock.today;
    this.thresholdsVersion = clock.thresholdsVersion;
    this.valueVersion = clock.valueVersion || null;
  }

  /**
   * Customers the steps up to `day` may need in full, besides those with orders:
   * those due by then. Each is told with the first day `d` whose steps need it
   * (those needed up to any `d <= day` are those told with a day up to `d`), and
   * the weight of its state (`MemberIndex.stateWeightOf`): one pass tells how far
   * ahead a read may go. (Those whose purchases say whether they were active at a
   * month start are read apart, in `lapsesUntil`, and not kept.)
   */
  neededWithin(day: number, note: (firstDay: number, customerId: string, weight: number) => void): void {
    const today = this.today;
    if (today === null || day <= today) return;
    const { members } = this.deps;
    for (const slot of members.byDueDay.between(Number.MIN_SAFE_INTEGER, day)) {
      note(
        Math.max(members.dueDayOf(slot) as number, today + 1),
        members.idOf(slot),
        members.stateWeightOf(slot),
      );
    }
  }

  /**
   * Applies orders in offset order, all of days before the next thresholds tick.
   * An order of a later day than the clock first moves the clock to that day; an
   * order more than `allowedLatenessDays` before the clock is not applied and is
   * returned, late. An order applied before (a redelivery, or a replay into this
   * state) is skipped, late or not: it counted once already.
   */
  async applyOrders(
    orders: InputOrder[],
    thresholds: Thresholds,
    allowedLatenessDays: number,
  ): Promise<InputOrder[]> {
    let run: InputOrder[] = [];
    const late: InputOrder[] = [];
    for (const input of orders) {
      const day = dayOf(input.order.eventTime);
      if (this.today !== null && day > this.today) {
        await this.applyRun(run, thresholds, allowedLatenessDays, late);
        run = [];
        await this.advanceTo(day, thresholds);
      }
      if (this.today === null) this.today = day;
      run.push(input);
    }
    await this.applyRun(run, thresholds, allowedLatenessDays, late);
    return late;
  }

  private async applyRun(
    run: InputOrder[],
    thresholds: Thresholds,
    allowedLatenessDays: number,
    late: InputOrder[],
  ): Promise<void> {
    if (run.length === 0 || this.today === null) return;
    const today = this.today;
    const { cache, members } = this.deps;
    await cache.load(run.map((i) => i.order.customerId));
    const step = new Step();
    for (const input of run) {
      const { order, offset } = input;
      const customer = cache.get(order.customerId);
      // Redelivered or replayed: applied before, and its changes were stored then.
      if (offset <= customer.lastOffset) continue;
      if (dayOf(order.eventTime) < today - allowedLatenessDays) {
        late.push(input);
        continue;
      }
      customer.lastOffset = offset;
      applyOrder(customer.state, order, dayOf(order.eventTime));
      const trigger: Trigger = {
        cause: order.kind === 'REFUND' ? 'REFUND' : 'ORDER',
        ref: order.eventId,
        eventTime: order.eventTime,
      };
      const before = step.latest(order.customerId) ?? members.get(order.customerId) ?? emptyRecord();
      step.record(
        order.customerId,
        evaluate(order.customerId, customer.state, before, today, this.rules, thresholds, trigger),
      );
      step.states.set(order.customerId, customer);
    }
    this.commit(step, { today, thresholdsVersion: null });
  }

  /**
   * Moves the clock to `day` within one thresholds version: re-evaluates the
   * customers due by then and those whose recency crosses a cut (cause TIME).
   */
  async advanceTo(day: number, thresholds: Thresholds): Promise<void> {
    if (this.today !== null && day <= this.today) return;
    const due = this.dueBy(day);
    await this.deps.cache.load(due);
    await this.moveClock(day, thresholds, thresholds, new Set(due), null);
  }

  private dueBy(day: number): string[] {
    const { members } = this.deps;
    return members.byDueDay.between(Number.MIN_SAFE_INTEGER, day).map((slot) => members.idOf(slot));
  }

  /**
   * Switches to a value model (or to none). P(alive), the churn risk it drives
   * and the days it crosses a level depend on the parameters, so every customer
   * of the partition is re-evaluated with the new model as of the clock: one pass
   * over the partition, once per fit. An interrupted pass is redone on restart;
   * customers it already did produce no change the second time.
   */
  async useValueModel(settings: ValueSettings | null, thresholds: Thresholds, chunk = 2000): Promise<void> {
    this.value = settings;
    const version = settings?.model.version ?? null;
    if (version === this.valueVersion) return;
    const today = this.today;
    const { cache, members } = this.deps;
    if (today !== null) {
      const trigger: Trigger = {
        cause: 'THRESHOLDS',
        ref: `value-model:${version ?? 'none'}`,
        eventTime: startOfDay(today),
      };
      // The members there are now: the pass adds none.
      const size = members.size;
      for (let start = 0; start < size; start += chunk) {
        const part = Array.from({ length: Math.min(chunk, size - start) }, (_, i) => members.idOf(start + i));
        await cache.load(part);
        const step = new Step();
        for (const id of part) {
          const before = members.get(id) ?? emptyRecord();
          step.record(id, evaluate(id, cache.get(id).state, before, today, this.rules, thresholds, trigger));
        }
        this.commit(step, { today, thresholdsVersion: null });
        await this.deps.finish();
      }
    }
    const { index, writer } = this.deps;
    const pipeline = writer.pipeline();
    const writes = index.writes();
    index.queueSetClock(writes, { today, thresholdsVersion: null, valueVersion: version ?? '' });
    writes.queue(pipeline, index.fence());
    writer.send(pipeline, [0]);
    await this.deps.finish();
    this.valueVersion = version;
  }

  /**
   * First half of a thresholds tick at `day`: brings the facts of the customers
   * due by then to `day`, so the population the thresholds are computed from is
   * exactly as of `day`. Their segments are evaluated in the second half, with the
   * new version; until then their records keep them due by `day`, so a tick done
   * again after a crash between the halves finds them again.
   */
  async prepareTick(day: number, _current: Thresholds): Promise<void> {
    this.heldForTick = new Set();
    // Before the index moves to `day`: customers leaving P then still count for earlier
    // months. Stored with the move: a tick done again after a failure counts from the
    // moved index, and keeps these; the second half has nothing left to store.
    const lapses = await this.lapsesUntil(day);
    this.heldLapses = [];
    const due = this.dueBy(day);
    const { cache, members, windowDays } = this.deps;
    await cache.load(due);
    const step = new Step();
    for (const id of due) {
      const before = members.get(id) as MemberRecord;
      const facts = factsOf(cache.get(id).state, day, windowDays);
      step.record(id, {
        changes: [],
        // Written out rather than spread: this runs for every customer due.
        record: {
          f: facts.f,
          m: facts.m,
          recent90Count: facts.recent90Count,
          recent90Spend: facts.recent90Spend,
          prior90Count: facts.prior90Count,
          prior90Spend: facts.prior90Spend,
          lifetimeTransactions: before.lifetimeTransactions,
          lifetimeSpend: before.lifetimeSpend,
          firstPurchaseDay: before.firstPurchaseDay,
          secondPurchaseDay: before.secondPurchaseDay,
          lastPurchaseDay: before.lastPurchaseDay,
          signedUp: before.signedUp,
          repeatSpend: before.repeatSpend,
          segments: before.segments,
          scores: before.scores,
          churn: before.churn,
          thresholdsVersion: before.thresholdsVersion,
          dueDay: day,
        },
      });
      this.heldForTick.add(id);
    }
    this.commit(step, null, lapses);
  }

  /** Second half of a tick: re-evaluates the due customers and every member the new version may move. */
  async completeTick(day: number, previous: Thresholds, next: Thresholds): Promise<void> {
    const held = this.heldForTick;
    this.heldForTick = new Set();
    await this.deps.cache.load(held);
    await this.moveClock(day, previous, next, held, next.version);
  }

  /**
   * Re-evaluates, as of `day` with `next`, the customers given (due by then, and
   * loaded) from their full state, and every other member of P whose population
   * comparisons differ between the clock's day with `previous` and `day` with
   * `next` from its record alone.
   */
  private async moveClock(
    day: number,
    previous: Thresholds,
    next: Thresholds,
    due: Set<string>,
    newVersion: string | null,
  ): Promise<void> {
    const lapses = this.heldLapses ?? (await this.lapsesUntil(day));
    this.heldLapses = null;
    const { cache, members } = this.deps;
    const from = { day: this.today ?? day, thresholds: previous };
    const affected = new Set<number>();
    for (const range of affectedRanges(from, { day, thresholds: next })) {
      const index =
        range.dimension === 'f'
          ? members.byF
          : range.dimension === 'm'
            ? members.byM
            : members.byLastPurchaseDay;
      for (const slot of index.between(range.lo, range.hi)) affected.add(slot);
    }
    const step = new Step();
    const timeTriggered = timeTrigger(day);
    const thresholdsTriggered: Trigger = {
      cause: 'THRESHOLDS',
      ref: next.version,
      eventTime: startOfDay(day),
    };
    for (const id of due) {
      const before = members.get(id) as MemberRecord;
      step.record(id, evaluate(id, cache.get(id).state, before, day, this.rules, next, timeTriggered));
    }
    const trigger = newVersion === null ? timeTriggered : thresholdsTriggered;
    for (const slot of affected) {
      const id = members.idOf(slot);
      if (due.has(id)) continue;
      step.record(id, evaluateRecord(id, members.record(slot), day, this.rules, next, trigger));
    }
    this.commit(step, { today: day, thresholdsVersion: newVersion }, lapses);
    this.today = day;
    if (newVersion !== null) this.thresholdsVersion = newVersion;
  }

  /**
   * Stores a step: the churn-rate counts taken before it, then the member records
   * and counts that changed, then the states of the customers whose orders it
   * applied, then the clock, as one pipeline held until its changes are out.
   * A cut anywhere leaves a prefix: the records after the committed offsets are
   * read again, and what was already stored changes nothing the second time;
   * what was not is done again, making the same changes (same ids) again.
   */
  private commit(
    step: Step,
    clock: { today: number; thresholdsVersion: string | null } | null,
    lapses: LapseSnapshot[] = [],
  ): void {
    const { index, members, writer, customers } = this.deps;
    const changes: OutputChange[] = [];
    for (const [id, evaluation] of step.evaluations) {
      changes.push(...evaluation.changes);
      if (!members.matches(id, evaluation.record)) members.set(id, evaluation.record);
    }
    const pipeline = writer.pipeline();
    // Every write of the partition's keys, and so the rest of the step, only while
    // this process owns the partition: a zombie owner after a rebalance writes nothing.
    const token = index.fence();
    const writes = index.writes();
    // First: they are counted from the index before this step moves it.
    for (const snapshot of lapses) index.queueSetLapseCounts(writes, snapshot);
    const stored = members.takeChanges();
    const records: (string | Buffer)[] = [];
    for (const slot of stored.slots)
      records.push(members.idOf(slot), encodeMemberRecord(members.record(slot)));
    index.queueMembers(writes, records);
    if (stored.segmentCounts.length > 0) {
      index.queueCounts(writes, 'segmentCounts', countsOf(members.segmentCounts, stored.segmentCounts));
    }
    if (stored.cohortCounts.length > 0) {
      index.queueCounts(writes, 'cohorts', countsOf(members.cohortCounts, stored.cohortCounts));
    }
    if (stored.slots.length > 0) index.queueSums(writes, sumsOf(members));
    // Queued even when empty: it checks the ownership before the customers are written.
    const fenced: number[] = [pipeline.length];
    writes.queue(pipeline, token);
    // A customer's state never lands without its member record (on a Cluster they live apart).
    endPhase(pipeline);
    // On a single Redis the pipeline goes on after a refused command: each customer write checks the owner too.
    const owner = writer.isCluster ? undefined : { key: index.keys.owner, token };
    for (const [id, customer] of step.states) {
      const value = encodeCustomerRecord(this.partition, customer.lastOffset, customer.state);
      fenced.push(pipeline.length);
      customers.queueWrite(pipeline, id, customer.version, value, owner);
      customer.version = recordVersion(this.partition, customer.lastOffset);
    }
    if (clock) {
      endPhase(pipeline);
      const clockWrites = index.writes();
      index.queueSetClock(clockWrites, clock);
      fenced.push(pipeline.length);
      clockWrites.queue(pipeline, token);
    }
    writer.send(pipeline, fenced);
    if (changes.length > 0) this.deps.emit(changes);
  }

  /**
   * Members who bought on `start` or after, and also before it: the churn-rate
   * counts of `start` need their buckets. One whose first purchase is on `start`
   * or after was neither active at `start` nor at the month start before, and
   * counts in neither, without reading its state.
   */
  private boughtBeforeAndSince(start: number): number[] {
    const { members } = this.deps;
    return members.byLastPurchaseDay
      .between(start, Number.MAX_SAFE_INTEGER)
      .filter((slot) => (members.firstPurchaseDayOf(slot) as number) < start);
  }

  /** Month starts the watermark passes when the clock moves to `day`. */
  private monthStartsPassed(day: number): number[] {
    if (this.deps.churnAfterDays === null || this.today === null) return [];
    const { allowedLatenessDays } = this.deps;
    const starts: number[] = [];
    for (
      let start = nextMonthStart(this.today - allowedLatenessDays);
      start <= day - allowedLatenessDays;
      start = nextMonthStart(start)
    ) {
      starts.push(start);
    }
    return starts;
  }

  /**
   * The churn-rate counts of every month start the watermark passes when the
   * clock moves to `day`. Orders before the watermark are never applied again,
   * so the counts are final; they are taken before the move re-evaluates anyone.
   */
  private async lapsesUntil(day: number): Promise<LapseSnapshot[]> {
    const lapseDays = this.deps.churnAfterDays;
    if (lapseDays === null) return [];
    const { members, cache } = this.deps;
    const snapshots: LapseSnapshot[] = [];
    for (const start of this.monthStartsPassed(day)) {
      const previous = monthStart(start - 1);
      const ranges = lapseRanges(start, previous, lapseDays);
      let active = members.byLastPurchaseDay.countBetween(...ranges.active);
      let churned = members.byLastPurchaseDay.countBetween(...ranges.churned);
      // Customers who bought since `start`, and before: their buckets say what they were
      // then. Read, not kept: they may be every customer of the partition.
      const since = this.boughtBeforeAndSince(start).map((slot) => members.idOf(slot));
      await cache.readEach(since, (_id, state) => {
        if (activeOn(state, start, lapseDays)) active++;
        else if (activeOn(state, previous, lapseDays)) churned++;
      });
      snapshots.push({ active: [isoMonth(start), active], churned: [isoMonth(previous), churned] });
    }
    return snapshots;
  }
}

/** What one step evaluated: the last evaluation of each customer, and the states its orders changed. */
class Step {
  readonly evaluations = new Map<string, Evaluation>();
  readonly states = new Map<string, LoadedCustomer>();

  /** The record of the customer's last evaluation in this step, if any. */
  latest(customerId: string): MemberRecord | undefined {
    return this.evaluations.get(customerId)?.record;
  }

  /** A customer evaluated again in the same step keeps the changes of both and the last record. */
  record(customerId: string, evaluation: Evaluation): void {
    const earlier = this.evaluations.get(customerId);
    this.evaluations.set(
      customerId,
      earlier
        ? { record: evaluation.record, changes: [...earlier.changes, ...evaluation.changes] }
        : evaluation,
    );
  }
}

function countsOf(counts: Map<string, number>, fields: string[]): Map<string, number> {
  return new Map(fields.map((field) => [field, counts.get(field) ?? 0]));
}

function sumsOf(members: MemberIndex): { n: number; lastPurchaseDay: number; f: number; m: number } {
  return {
    n: members.byF.size,
    lastPurchaseDay: members.byLastPurchaseDay.sum,
    f: members.byF.sum,
    m: members.byM.sum,
  };
}

function timeTrigger(day: number): Trigger {
  return { cause: 'TIME', ref: isoDay(day), eventTime: startOfDay(day) };
}
