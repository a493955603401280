// An in-memory multiset of (member, value) pairs grouped into buckets of nearby
// values: O(1) to add, move or remove a member, and order statistics, ranges and
// sums by walking the buckets, sorting only the one bucket an answer lies in.
// Members are small integers (slots) whose current value the owner keeps. For
// small integer values, ValueCounts (value-counts.ts) keeps nothing per member.
import { int32Column } from './columns.js';
import { insertionPoint } from './value-counts.js';

/** What MergedBuckets needs of each partition's index of a dimension. */
export interface ValueIndex {
  readonly size: number;
  readonly sum: number;
  /** Whether a bucket holds a single value (its key). */
  readonly exact: boolean;
  /** Bucket keys, ascending. */
  keys(): readonly number[];
  /** How many members a bucket holds (0 for none). */
  countOf(key: number): number;
  /** A bucket's members and the sum of their values. */
  bucket(key: number): { slots: Int32Array; sum: number } | undefined;
  value(slot: number): number;
}

interface Bucket {
  key: number;
  /** The members, in `slots[0..count-1]`. */
  slots: Int32Array;
  count: number;
  /** Sum of the members' values. */
  sum: number;
}

export class ValueBuckets implements ValueIndex {
  private readonly buckets = new Map<number, Bucket>();
  /** Position of each slot in its bucket's `slots`. */
  private readonly positions = int32Column();
  /** Bucket keys, ascending, kept sorted as buckets come and go. */
  private readonly sortedKeys: number[] = [];
  size = 0;
  sum = 0;

  /**
   * @param bucketOf maps a value to its bucket, monotonically (a <= b gives bucketOf(a) <= bucketOf(b)).
   * @param current the current value of a slot, as the owner keeps it.
   */
  constructor(
    private readonly bucketOf: (value: number) => number,
    private readonly current: (slot: number) => number,
  ) {}

  /** Whether a bucket holds a single value (its key): nothing to sort within it. */
  get exact(): boolean {
    return this.bucketOf === exactBuckets;
  }

  add(slot: number, value: number): void {
    const key = this.bucketOf(value);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { key, slots: new Int32Array(4), count: 0, sum: 0 };
      this.buckets.set(key, bucket);
      this.sortedKeys.splice(insertionPoint(this.sortedKeys, key), 0, key);
    }
    if (bucket.count === bucket.slots.length) {
      const grown = new Int32Array(bucket.slots.length * 2);
      grown.set(bucket.slots);
      bucket.slots = grown;
    }
    this.positions.ensure(slot + 1);
    this.positions.set(slot, bucket.count);
    bucket.slots[bucket.count++] = slot;
    bucket.sum += value;
    this.size += 1;
    this.sum += value;
  }

  /** Removes a slot that was added with `value`. */
  remove(slot: number, value: number): void {
    const key = this.bucketOf(value);
    const bucket = this.buckets.get(key) as Bucket;
    const at = this.positions.get(slot);
    bucket.count -= 1;
    const last = bucket.slots[bucket.count] as number;
    if (last !== slot) {
      bucket.slots[at] = last;
      this.positions.set(last, at);
    }
    bucket.sum -= value;
    this.size -= 1;
    this.sum -= value;
    if (bucket.count === 0) {
      this.buckets.delete(key);
      this.sortedKeys.splice(insertionPoint(this.sortedKeys, key), 1);
    }
  }

  /** Bucket keys, ascending. */
  keys(): readonly number[] {
    return this.sortedKeys;
  }

  /** A bucket's members and the sum of their values. */
  bucket(key: number): { slots: Int32Array; sum: number } | undefined {
    const bucket = this.buckets.get(key);
    return bucket && { slots: bucket.slots.subarray(0, bucket.count), sum: bucket.sum };
  }

  /** How many members a bucket holds (0 for none). */
  countOf(key: number): number {
    return this.buckets.get(key)?.count ?? 0;
  }

  value(slot: number): number {
    return this.current(slot);
  }

  /** Slots whose value lies in [lo, hi]. */
  between(lo: number, hi: number, into: number[] = []): number[] {
    if (hi < lo) return into;
    const first = this.bucketOf(lo);
    const last = this.bucketOf(hi);
    const keys = this.sortedKeys;
    for (let i = insertionPoint(keys, first); i < keys.length; i++) {
      const key = keys[i] as number;
      if (key > last) break;
      const bucket = this.buckets.get(key) as Bucket;
      const inner = this.exact || (key > first && key < last);
      for (let j = 0; j < bucket.count; j++) {
        const slot = bucket.slots[j] as number;
        if (inner) into.push(slot);
        else {
          const value = this.current(slot);
          if (value >= lo && value <= hi) into.push(slot);
        }
      }
    }
    return into;
  }

  /** How many slots have a value in [lo, hi]. */
  countBetween(lo: number, hi: number): number {
    if (hi < lo) return 0;
    const first = this.bucketOf(lo);
    const last = this.bucketOf(hi);
    const keys = this.sortedKeys;
    let count = 0;
    for (let i = insertionPoint(keys, first); i < keys.length; i++) {
      const key = keys[i] as number;
      if (key > last) break;
      const bucket = this.buckets.get(key) as Bucket;
      if (this.exact || (key > first && key < last)) count += bucket.count;
      else
        for (let j = 0; j < bucket.count; j++) {
          const value = this.current(bucket.slots[j] as number);
          if (value >= lo && value <= hi) count += 1;
        }
    }
    return count;
  }
}

/** Exact values as buckets: for small integer ranges (frequencies, days). */
export const exactBuckets = (value: number): number => value;

/**
 * 16 buckets per doubling above 32 (exact below): spend values spread over many
 * magnitudes, and a bucket holds values within ~6% of each other. Integer
 * arithmetic only, so the mapping is monotonic for every safe integer.
 */
export function logBuckets(value: number): number {
  if (value < 32) return Math.max(0, value);
  let top = value;
  let exponent = 0;
  while (top >= 32) {
    top = Math.floor(top / 2);
    exponent += 1;
  }
  return 32 + exponent * 16 + (top - 16);
}

/** A member of one of several partitions' buckets. */
export interface PartMember {
  part: number;
  slot: number;
  value: number;
}

/**
 * The union of several partitions' buckets of one dimension, all with the same
 * `bucketOf`, as they are when first asked: made for one computation (a
 * thresholds version), during which they do not change.
 */
export class MergedBuckets {
  /** Every bucket key, ascending, and how many members the buckets before each hold (one more entry: all). */
  private ranked: { keys: number[]; before: number[] } | null = null;

  constructor(private readonly parts: readonly ValueIndex[]) {}

  get size(): number {
    return this.parts.reduce((n, p) => n + p.size, 0);
  }

  get sum(): number {
    return this.parts.reduce((n, p) => n + p.sum, 0);
  }

  private keys(): number[] {
    return this.ranks().keys;
  }

  private ranks(): { keys: number[]; before: number[] } {
    if (!this.ranked) {
      const keys = [...new Set(this.parts.flatMap((p) => [...p.keys()]))].sort((a, b) => a - b);
      const before = [0];
      let n = 0;
      for (const key of keys) {
        for (const p of this.parts) n += p.countOf(key);
        before.push(n);
      }
      this.ranked = { keys, before };
    }
    return this.ranked;
  }

  private members(key: number): PartMember[] {
    const members: PartMember[] = [];
    this.parts.forEach((p, part) => {
      for (const slot of p.bucket(key)?.slots ?? []) members.push({ part, slot, value: p.value(slot) });
    });
    return members;
  }

  /** The k-th smallest value (1-based) over every partition; k in 1..size. */
  kthSmallest(k: number): number {
    const { keys, before } = this.ranks();
    // The first bucket whose members and those before reach k.
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((before[mid + 1] as number) >= k) hi = mid;
      else lo = mid + 1;
    }
    if (lo >= keys.length) throw new RangeError(`rank ${k} of ${this.size}`);
    const key = keys[lo] as number;
    if (this.parts[0]?.exact) return key;
    const values = this.members(key)
      .map((m) => m.value)
      .sort((a, b) => a - b);
    return values[k - (before[lo] as number) - 1] as number;
  }

  /**
   * Walks the members from the largest value down, ties in `tieOrder`, calling
   * `visit` with each and the sum of the values before it until it returns false.
   * A bucket is skipped unsorted while `skip(before, bucketSum)` says none of its
   * members can be the one looked for.
   */
  walkDescending(
    tieOrder: (a: PartMember, b: PartMember) => number,
    skip: (before: number, bucketSum: number) => boolean,
    visit: (member: PartMember, before: number) => boolean,
  ): void {
    const keys = this.keys();
    let before = 0;
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as number;
      const sum = this.parts.reduce((n, p) => n + (p.bucket(key)?.sum ?? 0), 0);
      if (skip(before, sum)) {
        before += sum;
        continue;
      }
      const members = this.members(key).sort((a, b) => b.value - a.value || tieOrder(a, b));
      for (const member of members) {
        if (!visit(member, before)) return;
        before += member.value;
      }
    }
  }
}
