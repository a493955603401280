// One partition's customers in memory, a member record each (src/state/member-record.ts)
// in typed arrays: the population P by last purchase day, f and m (order
// statistics and ranges for the thresholds and the affected ranges), the due
// days, the segment and cohort counts, and which records changed since they were
// last stored. About 100 bytes a customer with its id (src/processor/customer-ids.ts),
// all of it in typed arrays and buffers, off the heap the garbage collector walks:
// the indexes of days and f are counts per value over the columns (ValueCounts),
// only m's buckets keep their members.
import { CHURN_LEVELS, CHURN_REASONS } from '../domain/churn.js';
import { cohortMembershipOf } from '../domain/retention.js';
import { MODELS, SEGMENTS_OF } from '../domain/segments.js';
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
import { AmountColumn, BytesColumn, DayColumn, int32Column, uint8Column } from './columns.js';
import { stateWeight } from './customer-cache.js';
import { CustomerIds } from './customer-ids.js';
import { logBuckets, ValueBuckets } from './value-buckets.js';
import { ValueCounts } from './value-counts.js';

const NONE = -1;
const MODEL_COUNT = MODELS.length;
/** The 'model:segment' count field of each model (by index) and segment code (0: none). */
const SEGMENT_KEYS: string[][] = MODELS.map((model) => [
  '',
  ...SEGMENTS_OF[model].map((segment) => `${model}:${segment}`),
]);

export class MemberIndex {
  private readonly ids = new CustomerIds();
  // Facts and summary. Counts of the trend windows fit a byte (at most 90 days
  // each); f (purchase days in the window) and the days fit 16 bits until 2149.
  private readonly f = new DayColumn();
  private readonly m = new AmountColumn();
  private readonly recent90Count = uint8Column();
  private readonly recent90Spend = new AmountColumn();
  private readonly prior90Count = uint8Column();
  private readonly prior90Spend = new AmountColumn();
  private readonly lifetimeTransactions = int32Column();
  private readonly lifetimeSpend = new AmountColumn();
  private readonly first = new DayColumn();
  private readonly second = new DayColumn();
  private readonly last = new DayColumn();
  private readonly signedUp = uint8Column();
  private readonly repeatSpend = new AmountColumn();
  // Evaluation.
  private readonly segments = new BytesColumn(MODEL_COUNT);
  private readonly scores = uint8Column();
  private readonly churnLevel = uint8Column();
  private readonly churnReasons = uint8Column();
  /** versionCode - 1: -1 for none, 0 for the empty version, else the day + 1. */
  private readonly version = new DayColumn();
  private readonly due = new DayColumn();

  /** Members of P (f > 0) by each dimension. */
  readonly byLastPurchaseDay = new ValueCounts(
    (slot) => this.last.get(slot),
    (slot) => this.f.get(slot) > 0,
    () => this.size,
  );
  readonly byF = new ValueCounts(
    (slot) => this.f.get(slot),
    (slot) => this.f.get(slot) > 0,
    () => this.size,
  );
  readonly byM = new ValueBuckets(logBuckets, (slot) => this.m.get(slot));
  /** Customers with a due day, by it. */
  readonly byDueDay = new ValueCounts(
    (slot) => this.due.get(slot),
    (slot) => this.due.get(slot) !== NONE,
    () => this.size,
  );

  /** 'model:segment' -> customers in it. */
  readonly segmentCounts = new Map<string, number>();
  /** '<cohort month>:n' and '<month>:d<N>' -> customers. */
  readonly cohortCounts = new Map<string, number>();
  /** Records and count fields changed since `takeChanges`. */
  private readonly dirtySlots = new Set<number>();
  private readonly dirtySegmentCounts = new Set<string>();
  private readonly dirtyCohortCounts = new Set<string>();

  get size(): number {
    return this.ids.size;
  }

  slotOf(customerId: string): number | undefined {
    return this.ids.slotOf(customerId);
  }

  has(customerId: string): boolean {
    return this.ids.slotOf(customerId) !== undefined;
  }

  /** The customer id at `slot`. */
  idOf(slot: number): string {
    return this.ids.idOf(slot);
  }

  /** The record of a customer, or null for one the partition has never seen. */
  get(customerId: string): MemberRecord | null {
    const slot = this.ids.slotOf(customerId);
    return slot === undefined ? null : this.record(slot);
  }

  record(slot: number): MemberRecord {
    const day = (column: DayColumn) => {
      const value = column.get(slot);
      return value === NONE ? null : value;
    };
    return {
      f: this.f.get(slot),
      m: this.m.get(slot),
      recent90Count: this.recent90Count.get(slot),
      recent90Spend: this.recent90Spend.get(slot),
      prior90Count: this.prior90Count.get(slot),
      prior90Spend: this.prior90Spend.get(slot),
      lifetimeTransactions: this.lifetimeTransactions.get(slot),
      lifetimeSpend: this.lifetimeSpend.get(slot),
      firstPurchaseDay: day(this.first),
      secondPurchaseDay: day(this.second),
      lastPurchaseDay: day(this.last),
      signedUp: this.signedUp.get(slot) === 1,
      repeatSpend: this.repeatSpend.get(slot),
      segments: segmentsOfCodes(this.segments.view(slot)),
      scores: scoresOfCode(this.scores.get(slot)),
      churn: churnOfCodes(this.churnLevel.get(slot), this.churnReasons.get(slot)),
      thresholdsVersion: versionOfCode(this.version.get(slot) + 1),
      dueDay: day(this.due),
    };
  }

  /**
   * Whether the customer's record says the same as `record` (as `sameRecord`
   * of evaluate.ts judges, whatever the version), without building it; false
   * for a customer never seen.
   */
  matches(customerId: string, record: MemberRecord): boolean {
    const slot = this.ids.slotOf(customerId);
    if (slot === undefined) return false;
    if (
      this.f.get(slot) !== record.f ||
      this.m.get(slot) !== record.m ||
      this.recent90Count.get(slot) !== record.recent90Count ||
      this.recent90Spend.get(slot) !== record.recent90Spend ||
      this.prior90Count.get(slot) !== record.prior90Count ||
      this.prior90Spend.get(slot) !== record.prior90Spend ||
      this.lifetimeTransactions.get(slot) !== record.lifetimeTransactions ||
      this.lifetimeSpend.get(slot) !== record.lifetimeSpend ||
      this.first.get(slot) !== (record.firstPurchaseDay ?? NONE) ||
      this.second.get(slot) !== (record.secondPurchaseDay ?? NONE) ||
      this.last.get(slot) !== (record.lastPurchaseDay ?? NONE) ||
      this.signedUp.get(slot) !== (record.signedUp ? 1 : 0) ||
      this.repeatSpend.get(slot) !== record.repeatSpend ||
      this.due.get(slot) !== (record.dueDay ?? NONE) ||
      this.scores.get(slot) !== scoresCode(record.scores)
    ) {
      return false;
    }
    // Segments: none stored (every code 0) is the same only as none.
    const { segments } = record;
    let any = false;
    for (let i = 0; i < MODEL_COUNT; i++) {
      const code = this.segments.get(slot, i);
      if (code !== 0) any = true;
      if (
        segments &&
        code !==
          segmentCode(MODELS[i] as (typeof MODELS)[number], segments[MODELS[i] as (typeof MODELS)[number]])
      )
        return false;
    }
    if (any !== (segments !== null)) return false;
    // Churn risk: the same level, and the same reasons in the same order (stored in CHURN_REASONS order).
    const { churn } = record;
    const level = this.churnLevel.get(slot);
    if (churn === null) return level === 0;
    if (level !== CHURN_LEVELS.indexOf(churn.level) + 1) return false;
    let mask = 0;
    let previous = -1;
    for (const reason of churn.reasons) {
      const i = CHURN_REASONS.indexOf(reason);
      if (i <= previous) return false;
      previous = i;
      mask |= 1 << i;
    }
    return mask === this.churnReasons.get(slot);
  }

  firstPurchaseDayOf(slot: number): number | null {
    const first = this.first.get(slot);
    return first === NONE ? null : first;
  }

  /**
   * The weight of the customer's full state (`stateWeight`), estimated from its
   * record before it is read: a bucket for each purchase day in the window (f).
   * A customer not seen (slot undefined) has an empty state.
   */
  stateWeightOf(slot: number | undefined): number {
    return stateWeight(slot === undefined ? 0 : this.f.get(slot));
  }

  dueDayOf(slot: number): number | null {
    const due = this.due.get(slot);
    return due === NONE ? null : due;
  }

  /** Stores a customer's record, moving it in the indexes and counts; `stored` true for one loaded from Redis. */
  set(customerId: string, record: MemberRecord, stored = false): number {
    let slot = this.ids.slotOf(customerId);
    let counted: { codes: number[]; first: number; second: number } | null = null;
    if (slot === undefined) {
      slot = this.ids.add(customerId);
      this.ensure(slot + 1);
    } else {
      if (this.sameIndexed(slot, record)) {
        // Only the evaluation moved (a tick, an order of an ordinary day): the
        // slot stays where it is in every index.
        return this.store(slot, record, stored, {
          codes: [...this.segments.view(slot)],
          first: this.first.get(slot),
          second: this.second.get(slot),
        });
      }
      this.unindex(slot);
      counted = {
        codes: [...this.segments.view(slot)],
        first: this.first.get(slot),
        second: this.second.get(slot),
      };
    }
    return this.store(slot, record, stored, counted, true);
  }

  /** Whether `record` leaves the slot's indexed values (f, m, last purchase day, due day) as they are. */
  private sameIndexed(slot: number, record: MemberRecord): boolean {
    return (
      this.f.get(slot) === record.f &&
      this.m.get(slot) === record.m &&
      this.last.get(slot) === (record.lastPurchaseDay ?? NONE) &&
      this.due.get(slot) === (record.dueDay ?? NONE)
    );
  }

  private store(
    slot: number,
    record: MemberRecord,
    stored: boolean,
    counted: { codes: number[]; first: number; second: number } | null,
    reindex = false,
  ): number {
    this.f.set(slot, record.f);
    this.m.set(slot, record.m);
    this.recent90Count.set(slot, record.recent90Count);
    this.recent90Spend.set(slot, record.recent90Spend);
    this.prior90Count.set(slot, record.prior90Count);
    this.prior90Spend.set(slot, record.prior90Spend);
    this.lifetimeTransactions.set(slot, record.lifetimeTransactions);
    this.lifetimeSpend.set(slot, record.lifetimeSpend);
    this.first.set(slot, record.firstPurchaseDay ?? NONE);
    this.second.set(slot, record.secondPurchaseDay ?? NONE);
    this.last.set(slot, record.lastPurchaseDay ?? NONE);
    this.signedUp.set(slot, record.signedUp ? 1 : 0);
    this.repeatSpend.set(slot, record.repeatSpend);
    const codes = this.segments.view(slot);
    MODELS.forEach((model, i) => {
      codes[i] = segmentCode(model, record.segments?.[model] ?? null);
    });
    this.scores.set(slot, scoresCode(record.scores));
    this.churnLevel.set(slot, record.churn ? CHURN_LEVELS.indexOf(record.churn.level) + 1 : 0);
    this.churnReasons.set(slot, record.churn ? reasonsMask(record.churn) : 0);
    this.version.set(slot, versionCode(record.thresholdsVersion) - 1);
    this.due.set(slot, record.dueDay ?? NONE);
    if (reindex) this.index(slot);
    const first = this.first.get(slot);
    const second = this.second.get(slot);
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
    const slot = this.ids.slotOf(customerId);
    if (slot === undefined) return;
    const due = this.due.get(slot);
    if (due !== NONE) this.byDueDay.remove(slot, due);
    this.due.set(slot, day ?? NONE);
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
    const f = this.f.get(slot);
    if (f > 0) {
      this.byF.add(slot, f);
      this.byM.add(slot, this.m.get(slot));
      this.byLastPurchaseDay.add(slot, this.last.get(slot));
    }
    const due = this.due.get(slot);
    if (due !== NONE) this.byDueDay.add(slot, due);
  }

  private unindex(slot: number): void {
    const f = this.f.get(slot);
    if (f > 0) {
      this.byF.remove(slot, f);
      this.byM.remove(slot, this.m.get(slot));
      this.byLastPurchaseDay.remove(slot, this.last.get(slot));
    }
    const due = this.due.get(slot);
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
    for (let i = 0; i < MODEL_COUNT; i++) {
      const code = codes[i] as number;
      if (code !== 0) add(this.segmentCounts, this.dirtySegmentCounts, SEGMENT_KEYS[i]?.[code] as string);
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

  private ensure(size: number): void {
    for (const column of [
      this.f,
      this.m,
      this.recent90Count,
      this.recent90Spend,
      this.prior90Count,
      this.prior90Spend,
      this.lifetimeTransactions,
      this.lifetimeSpend,
      this.first,
      this.second,
      this.last,
      this.signedUp,
      this.repeatSpend,
      this.segments,
      this.scores,
      this.churnLevel,
      this.churnReasons,
      this.version,
      this.due,
    ]) {
      column.ensure(size);
    }
  }
}
