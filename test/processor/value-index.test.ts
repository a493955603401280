import { describe, expect, it } from 'vitest';
import { exactBuckets, logBuckets, MergedBuckets, ValueBuckets } from '../../src/processor/value-buckets.js';
import { ValueCounts } from '../../src/processor/value-counts.js';

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Slots with a value or none (-1), as a member index's column holds them, and the indexes of them. */
function population(kind: 'counts' | 'exact' | 'log') {
  const values: number[] = [];
  const index =
    kind === 'counts'
      ? new ValueCounts(
          (slot) => values[slot] as number,
          (slot) => values[slot] !== -1,
          () => values.length,
        )
      : new ValueBuckets(kind === 'exact' ? exactBuckets : logBuckets, (slot) => values[slot] as number);
  return {
    values,
    index,
    /** Gives `slot` the value `value` (-1: not a member), as the owner does: out with the old value, in with the new. */
    set(slot: number, value: number) {
      while (values.length <= slot) values.push(-1);
      const old = values[slot] as number;
      if (old !== -1) index.remove(slot, old);
      values[slot] = value;
      if (value !== -1) index.add(slot, value);
    },
  };
}

/** The brute-force answers, from the column alone. */
function members(values: readonly number[]): { slot: number; value: number }[] {
  return values.flatMap((value, slot) => (value === -1 ? [] : [{ slot, value }]));
}

describe.each(['counts', 'exact', 'log'] as const)('value index (%s)', (kind) => {
  it('answers ranges, counts, sums and order statistics as a scan of the column does', () => {
    const next = random(kind.length * 31);
    const partitions = [population(kind), population(kind)];
    const merged = () => new MergedBuckets(partitions.map((p) => p.index));
    // Small values repeat (days, frequencies); log buckets also get wide ones.
    const anyValue = () =>
      next() < 0.2 ? -1 : kind === 'log' && next() < 0.5 ? Math.floor(next() * 1e6) : Math.floor(next() * 40);
    for (let step = 0; step < 3000; step++) {
      const p = partitions[Math.floor(next() * 2)] as (typeof partitions)[number];
      p.set(Math.floor(next() * 300), anyValue());
      if (step % 50 !== 0) continue;
      const all = partitions.flatMap((q) => members(q.values));
      for (const q of partitions) {
        const own = members(q.values);
        expect(q.index.size).toBe(own.length);
        expect(q.index.sum).toBe(own.reduce((n, m) => n + m.value, 0));
        const lo = anyValue();
        const hi = lo + Math.floor(next() * (kind === 'log' ? 1e5 : 10));
        const inRange = own.filter((m) => m.value >= lo && m.value <= hi).map((m) => m.slot);
        expect(q.index.between(lo, hi).sort((a, b) => a - b)).toEqual(inRange);
        expect(q.index.countBetween(lo, hi)).toBe(inRange.length);
        expect(q.index.between(hi, lo - 1)).toEqual([]);
      }
      const sorted = all.map((m) => m.value).sort((a, b) => a - b);
      const view = merged();
      expect(view.size).toBe(sorted.length);
      for (const k of [1, Math.ceil(sorted.length / 3), sorted.length]) {
        if (k >= 1 && k <= sorted.length) expect(view.kthSmallest(k)).toBe(sorted[k - 1]);
      }
    }
  });
});

describe('ValueCounts', () => {
  it('keeps nothing per member: its scan stops at the last member of the range', () => {
    const values = [5, 7, 5, -1, 9];
    let read = 0;
    const counts = new ValueCounts(
      (slot) => {
        read += 1;
        return values[slot] as number;
      },
      (slot) => values[slot] !== -1,
      () => values.length,
    );
    values.forEach((value, slot) => {
      if (value !== -1) counts.add(slot, value);
    });
    expect(counts.between(7, 7)).toEqual([1]);
    expect(read).toBe(2);
    read = 0;
    expect(counts.between(20, 30)).toEqual([]);
    expect(read).toBe(0);
    expect(counts.bucket(5)).toEqual({ slots: Int32Array.from([0, 2]), sum: 10 });
  });
});
