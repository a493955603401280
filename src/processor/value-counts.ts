// An in-memory multiset of (member, value) pairs of small integers (days,
// frequencies), kept as a count per value: nothing per member, the owner's
// column of values is the index. Order statistics and counts come from the
// counts; the members in a range come from one pass over the owner's slots,
// which stops once it has found as many as the counts say there are.
import type { ValueIndex } from './value-buckets.js';

export class ValueCounts implements ValueIndex {
  private readonly counts = new Map<number, number>();
  /** The values held, ascending, kept sorted as values come and go. */
  private readonly sortedKeys: number[] = [];
  size = 0;
  sum = 0;
  readonly exact = true;

  /**
   * @param current the current value of a slot, as the owner keeps it.
   * @param isMember whether a slot is a member (was added and not removed since).
   * @param slots how many slots the owner has: members are among 0..slots-1.
   */
  constructor(
    private readonly current: (slot: number) => number,
    private readonly isMember: (slot: number) => boolean,
    private readonly slots: () => number,
  ) {}

  add(_slot: number, value: number): void {
    const n = this.counts.get(value);
    if (n === undefined) {
      this.counts.set(value, 1);
      this.sortedKeys.splice(insertionPoint(this.sortedKeys, value), 0, value);
    } else this.counts.set(value, n + 1);
    this.size += 1;
    this.sum += value;
  }

  /** Removes a slot that was added with `value`. */
  remove(_slot: number, value: number): void {
    const n = this.counts.get(value) as number;
    if (n === 1) {
      this.counts.delete(value);
      this.sortedKeys.splice(insertionPoint(this.sortedKeys, value), 1);
    } else this.counts.set(value, n - 1);
    this.size -= 1;
    this.sum -= value;
  }

  /** The values held, ascending. */
  keys(): readonly number[] {
    return this.sortedKeys;
  }

  /** How many members have the value `key` (0 for none). */
  countOf(key: number): number {
    return this.counts.get(key) ?? 0;
  }

  /** The members with the value `key`, and the sum of their values. */
  bucket(key: number): { slots: Int32Array; sum: number } | undefined {
    const count = this.countOf(key);
    if (count === 0) return undefined;
    return { slots: Int32Array.from(this.between(key, key)), sum: key * count };
  }

  value(slot: number): number {
    return this.current(slot);
  }

  /** Slots whose value lies in [lo, hi]. */
  between(lo: number, hi: number, into: number[] = []): number[] {
    let wanted = this.countBetween(lo, hi);
    const end = this.slots();
    for (let slot = 0; wanted > 0 && slot < end; slot++) {
      const value = this.current(slot);
      if (value >= lo && value <= hi && this.isMember(slot)) {
        into.push(slot);
        wanted -= 1;
      }
    }
    return into;
  }

  /** How many slots have a value in [lo, hi]. */
  countBetween(lo: number, hi: number): number {
    if (hi < lo) return 0;
    const keys = this.sortedKeys;
    let count = 0;
    for (let i = insertionPoint(keys, lo); i < keys.length; i++) {
      const key = keys[i] as number;
      if (key > hi) break;
      count += this.counts.get(key) as number;
    }
    return count;
  }
}

/** The index of the first key >= `key` in ascending `keys`. */
export function insertionPoint(keys: readonly number[], key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
