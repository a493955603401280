// Processes one input partition: applies its orders, moves its clock day by day
// (re-evaluating the customers due), takes new thresholds versions, and hands
// every change to the publisher only after it is stored with the state.
import type { OutputChange, Trigger } from '../domain/changes.js';
import { activeOn, lapseRanges } from '../domain/churn-rate.js';
import type { ValueSettings } from '../domain/clv/value-model.js';
import { applyOrder } from '../domain/customer.js';
import type { Order } from '../domain/order.js';
import type { Thresholds } from '../domain/thresholds.js';
import { dayOf, isoDay, isoMonth, monthStart, nextMonthStart, startOfDay } from '../domain/time.js';
import {
  assertWritten,
  type CustomerStore,
  execOrThrow,
  type StoredCustomer,
} from '../state/customer-store.js';
import type { IndexEntry, PartitionIndex } from '../state/partition-index.js';
import { batchOf } from '../state/redis-batch.js';
import type { RedisClient } from '../state/scripts.js';
import { affectedRanges } from './affected.js';
import { type Evaluation, type EvaluationRules, evaluate } from './evaluate.js';

export interface InputOrder {
  order: Order;
  offset: number;
}

/** Sends changes downstream; resolves once they are durable there. */
export type Publisher = (changes: OutputChange[]) => Promise<void>;

/** The Redis round trips of processing: reading customers, and the Lua scripts that write and index them. */
export type RedisOperation = 'read_customers' | 'write_customers' | 'index_customers';

/** Runs a Redis round trip of processing; the metrics time it. */
export type RedisTimer = <T>(operation: RedisOperation, run: () => Promise<T>) => Promise<T>;

export interface PartitionProcessorDeps {
  redis: RedisClient;
  customers: CustomerStore;
  index: PartitionIndex;
  windowDays: number;
  /** How far behind the clock an order may still be applied: the watermark is the clock less this. */
  allowedLatenessDays: number;
  /** Days without a purchase that make a customer lapsed in the churn rate; null for no churn rate. */
  churnAfterDays: number | null;
  publish: Publisher;
  timeRedis?: RedisTimer;
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
  private readonly heldForTick = new Map<string, StoredCustomer>();
  private heldLapses: LapseSnapshot[] | null = null;

  private readonly timed: RedisTimer;

  constructor(private readonly deps: PartitionProcessorDeps) {
    this.timed = deps.timeRedis ?? ((_operation, run) => run());
  }

  private get rules(): EvaluationRules {
    return { windowDays: this.deps.windowDays, value: this.value };
  }

  get partition(): number {
    return this.deps.index.partition;
  }

  /** Loads the clock and publishes what a crash left unsent. */
  async restore(): Promise<void> {
    const clock = await this.deps.index.clock();
    this.today = clock.today;
    this.thresholdsVersion = clock.thresholdsVersion;
    this.valueVersion = clock.valueVersion || null;
    await this.flushPending();
  }

  async flushPending(): Promise<void> {
    const pending = await this.deps.index.pending();
    if (pending.length === 0) return;
    const outboxes = await this.deps.customers.readOutboxes(pending);
    const changes = [...outboxes.values()].flat().map((entry) => JSON.parse(entry) as OutputChange);
    await this.deps.publish(changes);
    await this.clearOutboxes(new Map([...outboxes].map(([id, entries]) => [id, entries.length])));
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
    const customers = await this.timed('read_customers', () =>
      this.deps.customers.readMany(run.map((i) => i.order.customerId)),
    );
    const evaluations = new Map<string, Evaluation[]>();
    for (const input of run) {
      const { order, offset } = input;
      const customer = customers.get(order.customerId) as StoredCustomer;
      // Redelivered or replayed: applied before, and its changes are in the outbox.
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
      const evaluation = evaluate(customer, today, this.rules, thresholds, trigger);
      evaluations.set(order.customerId, [...(evaluations.get(order.customerId) ?? []), evaluation]);
    }
    await this.commit(customers, evaluations, { today, thresholdsVersion: null });
  }

  /**
   * Moves the clock to `day` within one thresholds version: re-evaluates the
   * customers due by then and those whose recency crosses a cut (cause TIME).
   */
  async advanceTo(day: number, thresholds: Thresholds): Promise<void> {
    if (this.today !== null && day <= this.today) return;
    const due = await this.deps.index.dueBy(day);
    const customers =
      due.length > 0 ? await this.deps.customers.readMany(due) : new Map<string, StoredCustomer>();
    await this.moveClock(day, thresholds, thresholds, customers, null);
  }

  /**
   * Switches to a value model (or to none). P(alive), the churn risk it drives
   * and the days it crosses a level depend on the parameters, so every customer
   * of the partition is re-evaluated with the new model as of the clock: one pass
   * over the partition, once per fit. An interrupted pass is redone on restart;
   * customers it already did produce no change the second time.
   */
  async useValueModel(settings: ValueSettings | null, thresholds: Thresholds, chunk = 500): Promise<void> {
    this.value = settings;
    const version = settings?.model.version ?? null;
    if (version === this.valueVersion) return;
    const today = this.today;
    if (today !== null) {
      const trigger: Trigger = {
        cause: 'THRESHOLDS',
        ref: `value-model:${version ?? 'none'}`,
        eventTime: startOfDay(today),
      };
      for await (const ids of this.deps.index.allCustomers(chunk)) {
        const customers = await this.deps.customers.readMany(ids);
        const evaluations = new Map<string, Evaluation[]>();
        for (const customer of customers.values()) {
          evaluations.set(customer.customerId, [evaluate(customer, today, this.rules, thresholds, trigger)]);
        }
        await this.commit(customers, evaluations, { today, thresholdsVersion: null });
      }
    }
    await this.deps.index.setClock({ today, thresholdsVersion: null, valueVersion: version ?? '' });
    this.valueVersion = version;
  }

  /**
   * First half of a thresholds tick at `day`: brings the index of the customers due
   * by then to `day`, so the population the thresholds are computed from is
   * exactly as of `day`. Their segments are evaluated in the second half, with the
   * new version.
   */
  async prepareTick(day: number, current: Thresholds): Promise<void> {
    this.heldForTick.clear();
    // Before the index moves to `day`: customers leaving P then still count for earlier months.
    this.heldLapses = await this.lapsesUntil(day);
    const due = await this.deps.index.dueBy(day);
    if (due.length === 0) return;
    const customers = await this.deps.customers.readMany(due);
    const pipeline = batchOf(this.deps.redis);
    // Stored with the move: a tick done again after a failure counts from the moved index, and keeps these.
    for (const snapshot of this.heldLapses) this.deps.index.queueSetLapseCounts(pipeline, snapshot);
    for (const customer of customers.values()) {
      const scratch = structuredClone(customer);
      const { index } = evaluate(scratch, day, this.rules, current, timeTrigger(day));
      // Still due by `day` until the second half has evaluated it: after a crash
      // between the halves, the tick done again finds it again.
      this.deps.index.queueIndex(pipeline, { ...index, dueDay: day });
      this.heldForTick.set(customer.customerId, customer);
    }
    await this.timed('index_customers', () => execOrThrow(pipeline));
  }

  /** Second half of a tick: re-evaluates the due customers and every member the new version may move. */
  async completeTick(day: number, previous: Thresholds, next: Thresholds): Promise<void> {
    const held = new Map(this.heldForTick);
    this.heldForTick.clear();
    await this.moveClock(day, previous, next, held, next.version);
  }

  /**
   * Re-evaluates, as of `day` with `next`, the customers given (due by then) and
   * every member of P whose population comparisons differ between the clock's
   * day with `previous` and `day` with `next`.
   */
  private async moveClock(
    day: number,
    previous: Thresholds,
    next: Thresholds,
    due: Map<string, StoredCustomer>,
    newVersion: string | null,
  ): Promise<void> {
    const lapses = this.heldLapses ?? (await this.lapsesUntil(day));
    this.heldLapses = null;
    const from = { day: this.today ?? day, thresholds: previous };
    const affected = new Set<string>();
    for (const range of affectedRanges(from, { day, thresholds: next })) {
      for (const id of await this.deps.index.membersBetween(range.dimension, range.lo, range.hi))
        affected.add(id);
    }
    const toRead = [...affected].filter((id) => !due.has(id));
    const customers = new Map(due);
    if (toRead.length > 0)
      for (const [id, c] of await this.deps.customers.readMany(toRead)) customers.set(id, c);
    const evaluations = new Map<string, Evaluation[]>();
    const thresholdsTrigger: Trigger = { cause: 'THRESHOLDS', ref: next.version, eventTime: startOfDay(day) };
    for (const customer of customers.values()) {
      const trigger =
        newVersion === null || due.has(customer.customerId) ? timeTrigger(day) : thresholdsTrigger;
      evaluations.set(customer.customerId, [evaluate(customer, day, this.rules, next, trigger)]);
    }
    await this.commit(customers, evaluations, { today: day, thresholdsVersion: newVersion }, lapses);
    this.today = day;
    if (newVersion !== null) this.thresholdsVersion = newVersion;
  }

  /**
   * Stores the customers, their outboxes and index entries and the clock in one
   * pipeline, then publishes and clears the outboxes. A crash before the publish
   * leaves the customers marked pending: `restore` publishes them.
   */
  private async commit(
    customers: Map<string, StoredCustomer>,
    evaluations: Map<string, Evaluation[]>,
    clock: { today: number; thresholdsVersion: string | null },
    lapses: LapseSnapshot[] = [],
  ): Promise<void> {
    const { redis, index } = this.deps;
    const changes = new Map<string, OutputChange[]>();
    for (const [id, list] of evaluations) {
      const all = list.flatMap((e) => e.changes);
      if (all.length > 0) changes.set(id, all);
    }
    const pipeline = batchOf(redis);
    index.queueMarkPending(pipeline, [...changes.keys()]);
    const writeAt: number[] = [];
    for (const [id, list] of evaluations) {
      const customer = customers.get(id) as StoredCustomer;
      writeAt.push(pipelineLength(pipeline));
      this.deps.customers.queueWrite(pipeline, {
        customer,
        outbox: (changes.get(id) ?? []).map((c) => JSON.stringify(c)),
      });
      index.queueIndex(pipeline, (list[list.length - 1] as Evaluation).index as IndexEntry);
    }
    for (const snapshot of lapses) index.queueSetLapseCounts(pipeline, snapshot);
    index.queueSetClock(pipeline, clock);
    const replies = await this.timed('write_customers', () => execOrThrow(pipeline));
    assertWritten(writeAt.map((i) => replies[i]));
    if (changes.size === 0) return;
    await this.deps.publish([...changes.values()].flat());
    await this.clearOutboxes(new Map([...changes].map(([id, list]) => [id, list.length])));
  }

  /**
   * The churn-rate counts of every month start the watermark passes when the
   * clock moves to `day`. Orders before the watermark are never applied again,
   * so the counts are final; they are taken before the move re-evaluates anyone.
   */
  private async lapsesUntil(day: number): Promise<LapseSnapshot[]> {
    const lapseDays = this.deps.churnAfterDays;
    if (lapseDays === null || this.today === null) return [];
    const { allowedLatenessDays } = this.deps;
    const snapshots: LapseSnapshot[] = [];
    const { index, customers } = this.deps;
    for (
      let start = nextMonthStart(this.today - allowedLatenessDays);
      start <= day - allowedLatenessDays;
      start = nextMonthStart(start)
    ) {
      const previous = monthStart(start - 1);
      const ranges = lapseRanges(start, previous, lapseDays);
      let active = await index.countLastPurchaseBetween(...ranges.active);
      let churned = await index.countLastPurchaseBetween(...ranges.churned);
      // Customers who bought since `start`: their buckets say what they were then.
      const since = await index.lastPurchaseFrom(start);
      if (since.length > 0) {
        for (const customer of (await customers.readMany(since)).values()) {
          if (activeOn(customer.state, start, lapseDays)) active++;
          else if (activeOn(customer.state, previous, lapseDays)) churned++;
        }
      }
      snapshots.push({ active: [isoMonth(start), active], churned: [isoMonth(previous), churned] });
    }
    return snapshots;
  }

  private async clearOutboxes(sent: Map<string, number>): Promise<void> {
    const pipeline = batchOf(this.deps.redis);
    for (const [id, count] of sent) this.deps.customers.queueClearOutbox(pipeline, id, count);
    this.deps.index.queueUnmarkPending(pipeline, [...sent.keys()]);
    await execOrThrow(pipeline);
  }
}

function timeTrigger(day: number): Trigger {
  return { cause: 'TIME', ref: isoDay(day), eventTime: startOfDay(day) };
}

function pipelineLength(pipeline: { length: number }): number {
  return pipeline.length;
}
