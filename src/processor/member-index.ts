// One partition's customers in memory, a member record each (src/state/member-record.ts)
// in typed arrays: the population P by last purchase day, f and m (order
// statistics and ranges for the thresholds and the affected ranges), the due
// days, the segment and cohort counts, and which records changed since they were
// last stored. About 200 bytes a customer.
import { CHURN_LEVELS } from '../domain/churn.js';
import { cohortMembershipOf } from '../domain/retention.js';
import { MODELS } from '../domain/segments.js';
import {
  churnOfCodes,
  type MemberRecord,
  reasonsMask,
  scoresCode,
  scoresOfCode,
  segmentCode,
  segmentsOfCodes,
  versionCode,
  versionOfCode,
} from '../state/member-record.js';
import { exactBuckets, logBuckets, ValueBuckets } from './value-buckets.js';

const NONE = -1;
const MODEL_COUNT = MODELS.length;

export class MemberIndex {
  private readonly slots = new Map<string, number>();
  readonly ids: string[] = [];
  private capacity = 0;
  // Facts and summary.
  private f = new Int32Array(0);
  private m = new Float64Array(0);
  private recent90Count = new Int32Array(0);
  private recent90Spend = new Float64Array(0);
  private prior90Count = new Int32Array(0);
  private prior90Spend = new Float64Array(0);
  private lifetimeTransactions = new Int32Array(0);
  private lifetimeSpend = new Float64Array(0);
  private first = new Int32Array(0);
  private second = new Int32Array(0);
  private last = new Int32Array(0);
  private signedUp = new Uint8Array(0);
  private repeatSpend = new Float64Array(0);
  // Evaluation.
  private segments = new Uint8Array(0);
  private scores = new Uint8Array(0);
  private churnLevel = new Uint8Array(0);
  private churnReasons = new Uint8Array(0);
  private version = new Int32Array(0);
  private due = new Int32Array(0);

  /** Members of P by each dimension. */
  readonly byLastPurchaseDay = new ValueBuckets(exactBuckets, (slot) => this.last[slot] as number);
  readonly byF = new ValueBuckets(exactBuckets, (slot) => this.f[slot] as number);
  readonly byM = new ValueBuckets(logBuckets, (slot) => this.m[slot] as number);
  /** Customers with a due day, by it. */
  readonly byDueDay = new ValueBuckets(exactBuckets, (slot) => this.due[slot] as number);

  /** 'model:segment' -> customers in it. */
  readonly segmentCounts = new Map<string, number>();
  /** '<cohort month>:n' and '<month>:d<N>' -> customers. */
  readonly cohortCounts = new Map<string, number>();
  /** Records and count fields changed since `takeChanges`. */
  private readonly dirtySlots = new Set<number>();
  private readonly dirtySegmentCounts = new Set<string>();
  private readonly dirtyCohortCounts = new Set<string>();

  get size(): number {
    return this.ids.length;
  }

  slotOf(customerId: string): number | undefined {
    return this.slots.get(customerId);
  }

  has(customerId: string): boolean {
    return this.slots.has(customerId);
  }

  /** The record of a customer, or null for one the partition has never seen. */
  get(customerId: string): MemberRecord | null {
    const slot = this.slots.get(customerId);
    return slot === undefined ? null : this.record(slot);
  }

  record(slot: number): MemberRecord {
    const day = (a: Int32Array) => ((a[slot] as number) === NONE ? null : (a[slot] as number));
    const level = this.churnLevel[slot] as number;
    return {
      f: this.f[slot] as number,
      m: this.m[slot] as number,
      recent90Count: this.recent90Count[slot] as number,
      recent90Spend: this.recent90Spend[slot] as number,
      prior90Count: this.prior90Count[slot] as number,
      prior90Spend: this.prior90Spend[slot] as number,
      lifetimeTransactions: this.lifetimeTransactions[slot] as number,
      lifetimeSpend: this.lifetimeSpend[slot] as number,
      firstPurchaseDay: day(this.first),
      secondPurchaseDay: day(this.second),
      lastPurchaseDay: day(this.last),
      signedUp: this.signedUp[slot] === 1,
      repeatSpend: this.repeatSpend[slot] as number,
      segments: segmentsOfCodes(this.segments.subarray(slot * MODEL_COUNT, (slot + 1) * MODEL_COUNT)),
      scores: scoresOfCode(this.scores[slot] as number),
      churn: churnOfCodes(level, this.churnReasons[slot] as number),
      thresholdsVersion: versionOfCode((this.version[slot] as number) + 2),
      dueDay: day(this.due),
    };
  }

  dueDayOf(slot: number): number | null {
    const due = this.due[slot] as number;
    return due === NONE ? null : due;
  }

  /** Stores a customer's record, moving it in the indexes and counts; `stored` false for one loaded from Redis. */
  set(customerId: string, record: MemberRecord, stored = false): number {
    let slot = this.slots.get(customerId);
    let counted: { codes: number[]; first: number; second: number } | null = null;
    if (slot === undefined) {
      slot = this.ids.length;
      this.grow(slot + 1);
      this.ids.push(customerId);
      this.slots.set(customerId, slot);
      this.clear(slot);
    } else {
      this.unindex(slot);
      counted = {
        codes: [...this.segments.subarray(slot * MODEL_COUNT, (slot + 1) * MODEL_COUNT)],
        first: this.first[slot] as number,
        second: this.second[slot] as number,
      };
    }
    this.f[slot] = record.f;
    this.m[slot] = record.m;
    this.recent90Count[slot] = record.recent90Count;
    this.recent90Spend[slot] = record.recent90Spend;
    this.prior90Count[slot] = record.prior90Count;
    this.prior90Spend[slot] = record.prior90Spend;
    this.lifetimeTransactions[slot] = record.lifetimeTransactions;
    this.lifetimeSpend[slot] = record.lifetimeSpend;
    this.first[slot] = record.firstPurchaseDay ?? NONE;
    this.second[slot] = record.secondPurchaseDay ?? NONE;
    this.last[slot] = record.lastPurchaseDay ?? NONE;
    this.signedUp[slot] = record.signedUp ? 1 : 0;
    this.repeatSpend[slot] = record.repeatSpend;
    MODELS.forEach((model, i) => {
      this.segments[slot * MODEL_COUNT + i] = segmentCode(model, record.segments?.[model] ?? null);
    });
    this.scores[slot] = scoresCode(record.scores);
    this.churnLevel[slot] = record.churn ? CHURN_LEVELS.indexOf(record.churn.level) + 1 : 0;
    this.churnReasons[slot] = record.churn ? reasonsMask(record.churn) : 0;
    this.version[slot] = versionCode(record.thresholdsVersion) - 2;
    this.due[slot] = record.dueDay ?? NONE;
    this.index(slot);
    const codes = this.segments.subarray(slot * MODEL_COUNT, (slot + 1) * MODEL_COUNT);
    const first = this.first[slot] as number;
    const second = this.second[slot] as number;
    // The counts move only when the segments or the cohort do.
    if (
      !counted ||
      counted.first !== first ||
      counted.second !== second ||
      counted.codes.some((code, i) => code !== codes[i])
    ) {
      if (counted) this.count(counted.codes, counted.first, counted.second, -1, stored);
      this.count(codes, first, second, 1, stored);
    }
    if (!stored) this.dirtySlots.add(slot);
    return slot;
  }

  /** Sets only the due day, e.g. to keep a customer due until the second half of a tick. */
  setDueDay(customerId: string, day: number | null): void {
    const slot = this.slots.get(customerId);
    if (slot === undefined) return;
    const due = this.due[slot] as number;
    if (due !== NONE) this.byDueDay.remove(slot, due);
    this.due[slot] = day ?? NONE;
    if (day !== null) this.byDueDay.add(slot, day);
    this.dirtySlots.add(slot);
  }

  /** The records changed since the last call, and the count fields they moved. */
  takeChanges(): { slots: number[]; segmentCounts: string[]; cohortCounts: string[] } {
    const changes = {
      slots: [...this.dirtySlots],
      segmentCounts: [...this.dirtySegmentCounts],
      cohortCounts: [...this.dirtyCohortCounts],
    };
    this.dirtySlots.clear();
    this.dirtySegmentCounts.clear();
    this.dirtyCohortCounts.clear();
    return changes;
  }

  private index(slot: number): void {
    const f = this.f[slot] as number;
    if (f > 0) {
      this.byF.add(slot, f);
      this.byM.add(slot, this.m[slot] as number);
      this.byLastPurchaseDay.add(slot, this.last[slot] as number);
    }
    const due = this.due[slot] as number;
    if (due !== NONE) this.byDueDay.add(slot, due);
  }

  private unindex(slot: number): void {
    const f = this.f[slot] as number;
    if (f > 0) {
      this.byF.remove(slot, f);
      this.byM.remove(slot, this.m[slot] as number);
      this.byLastPurchaseDay.remove(slot, this.last[slot] as number);
    }
    const due = this.due[slot] as number;
    if (due !== NONE) this.byDueDay.remove(slot, due);
  }

  /** Adds segments and a cohort to the counts (or takes them out). */
  private count(codes: ArrayLike<number>, first: number, second: number, by: 1 | -1, stored: boolean): void {
    const add = (counts: Map<string, number>, dirty: Set<string>, key: string) => {
      const n = (counts.get(key) ?? 0) + by;
      if (n === 0) counts.delete(key);
      else counts.set(key, n);
      if (!stored) dirty.add(key);
    };
    const segments = segmentsOfCodes(codes);
    if (segments) {
      for (const model of MODELS) {
        const segment = segments[model];
        if (segment !== null) add(this.segmentCounts, this.dirtySegmentCounts, `${model}:${segment}`);
      }
    }
    if (first === NONE) return;
    const cohort = cohortMembershipOf({
      firstPurchaseDay: first,
      secondPurchaseDay: second === NONE ? null : second,
    } as Parameters<typeof cohortMembershipOf>[0]);
    if (!cohort) return;
    add(this.cohortCounts, this.dirtyCohortCounts, `${cohort.cohort}:n`);
    for (const days of cohort.retainedWithin) {
      add(this.cohortCounts, this.dirtyCohortCounts, `${cohort.cohort}:d${days}`);
    }
  }

  private clear(slot: number): void {
    this.f[slot] = 0;
    this.due[slot] = NONE;
    this.first[slot] = NONE;
    this.second[slot] = NONE;
    this.last[slot] = NONE;
    this.segments.fill(0, slot * MODEL_COUNT, (slot + 1) * MODEL_COUNT);
  }

  private grow(size: number): void {
    if (size <= this.capacity) return;
    const capacity = Math.max(1024, Math.ceil(this.capacity * 1.25), size);
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(array: T, per = 1): T => {
      const grown = new (array.constructor as new (n: number) => T)(capacity * per);
      grown.set(array);
      return grown;
    };
    this.f = grow(this.f);
    this.m = grow(this.m);
    this.recent90Count = grow(this.recent90Count);
    this.recent90Spend = grow(this.recent90Spend);
    this.prior90Count = grow(this.prior90Count);
    this.prior90Spend = grow(this.prior90Spend);
    this.lifetimeTransactions = grow(this.lifetimeTransactions);
    this.lifetimeSpend = grow(this.lifetimeSpend);
    this.first = grow(this.first);
    this.second = grow(this.second);
    this.last = grow(this.last);
    this.signedUp = grow(this.signedUp);
    this.repeatSpend = grow(this.repeatSpend);
    this.segments = grow(this.segments, MODEL_COUNT);
    this.scores = grow(this.scores);
    this.churnLevel = grow(this.churnLevel);
    this.churnReasons = grow(this.churnReasons);
    this.version = grow(this.version);
    this.due = grow(this.due);
    this.capacity = capacity;
  }
}
