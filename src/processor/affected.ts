// Which members of P can change segment when the clock moves from one day and
// thresholds version to another: for every comparison the population models
// make, the values between the old and the new cut. Everyone outside these
// ranges compares the same way before and after. (Changes by time alone that do
// not depend on the thresholds come from the due index instead.)
import type { Thresholds } from '../domain/thresholds.js';

export interface ValueRange {
  dimension: 'lastPurchaseDay' | 'f' | 'm';
  lo: number;
  hi: number;
}

const ALL = Number.MAX_SAFE_INTEGER;

/** The population models' view of the world at one day under one version. */
export interface Evaluated {
  day: number;
  thresholds: Thresholds;
}

export function affectedRanges(before: Evaluated, after: Evaluated): ValueRange[] {
  const previous = before.thresholds;
  const next = after.thresholds;
  // An empty version compares everyone as "true", whatever the day.
  if (previous.size === 0 && next.size === 0) return [];
  if (previous.size === 0 || next.size === 0) return [{ dimension: 'f', lo: -ALL, hi: ALL }];
  const ranges: ValueRange[] = [];
  const between = (dimension: ValueRange['dimension'], a: number, b: number) => {
    if (a !== b) ranges.push({ dimension, lo: Math.min(a, b), hi: Math.max(a, b) });
  };
  // rfm8: recent iff r <= floor(sumR / n), i.e. lastPurchaseDay >= day - floor(sumR / n).
  between(
    'lastPurchaseDay',
    before.day - Math.floor(previous.sumR / previous.size),
    after.day - Math.floor(next.sumR / next.size),
  );
  // highF iff f >= sumF / n; highM iff m >= sumM / n.
  between('f', Math.ceil(previous.sumF / previous.size), Math.ceil(next.sumF / next.size));
  between('m', Math.ceil(previous.sumM / previous.size), Math.ceil(next.sumM / next.size));
  for (let k = 0; k < previous.fCuts.length; k++) {
    between('f', previous.fCuts[k] as number, next.fCuts[k] as number);
    between('m', previous.mCuts[k] as number, next.mCuts[k] as number);
    // The R score counts r < cut, i.e. lastPurchaseDay > day - cut.
    between(
      'lastPurchaseDay',
      before.day - (previous.rCuts[k] as number),
      after.day - (next.rCuts[k] as number),
    );
  }
  // Tiers: customers around either boundary, on both sides, ties included.
  for (const key of ['tierA', 'tierB'] as const) {
    const a = previous[key];
    const b = next[key];
    if (!a && !b) continue;
    if (!a || !b) ranges.push({ dimension: 'm', lo: -ALL, hi: ALL });
    else if (a.m !== b.m || a.customerId !== b.customerId)
      ranges.push({ dimension: 'm', lo: Math.min(a.m, b.m), hi: Math.max(a.m, b.m) });
  }
  return ranges;
}
