// Computes a thresholds version from a view of the population P as of its tick
// day: sums, order statistics and the Pareto boundaries of the tier model.

import type { Thresholds, TierBoundary } from './thresholds.js';
import { isoDay } from './time.js';

/** A member of P: what the population models rank. */
export interface Member {
  customerId: string;
  lastPurchaseDay: number;
  f: number;
  m: number;
}

/**
 * What the thresholds need from P, however it is stored: in memory here, or
 * across the partitions' Redis indexes in the processor.
 */
export interface PopulationView {
  size(): Promise<number>;
  sums(): Promise<{ lastPurchaseDay: number; f: number; m: number }>;
  /** The k-th smallest value (1-based) of a dimension. */
  kthSmallest(dimension: 'lastPurchaseDay' | 'f' | 'm', k: number): Promise<number>;
  /** Members by m descending, ties by customer id ascending. */
  byMonetaryDescending(): AsyncIterable<{ customerId: string; m: number }>;
  /** The tier boundaries (see `tierBoundaries` below), where the view can find them faster than by walking P. */
  tierBoundaries?(total: number): Promise<{ tierA: TierBoundary | null; tierB: TierBoundary | null }>;
}

/** need_k = ceil(k * n / 5) for k = 1..4: the ranks at which the scores step up. */
export function quintileRanks(n: number): number[] {
  return [1, 2, 3, 4].map((k) => Math.ceil((k * n) / 5));
}

export async function thresholdsFrom(view: PopulationView, day: number): Promise<Thresholds> {
  const size = await view.size();
  const sums = await view.sums();
  const ranks = size === 0 ? [] : quintileRanks(size);
  const cuts = (dimension: 'lastPurchaseDay' | 'f' | 'm') =>
    Promise.all(ranks.map((k) => view.kthSmallest(dimension, k)));
  const [fCuts, mCuts, lastDayCuts] = await Promise.all([cuts('f'), cuts('m'), cuts('lastPurchaseDay')]);
  const { tierA, tierB } =
    size === 0
      ? { tierA: null, tierB: null }
      : await (view.tierBoundaries?.(sums.m) ?? tierBoundaries(view, sums.m));
  return {
    version: isoDay(day),
    day,
    size,
    sumR: size * day - sums.lastPurchaseDay,
    sumF: sums.f,
    sumM: sums.m,
    fCuts,
    mCuts,
    // The k-th largest r is today minus the k-th smallest last purchase day.
    rCuts: lastDayCuts.map((last) => day - last),
    tierA,
    tierB,
  };
}

/** Walks P from the top spender down to where 80% and 95% of revenue lie before. */
async function tierBoundaries(
  view: PopulationView,
  total: number,
): Promise<{ tierA: TierBoundary | null; tierB: TierBoundary | null }> {
  let tierA: TierBoundary | null = null;
  let before = 0;
  if (total > 0) {
    for await (const member of view.byMonetaryDescending()) {
      if (!tierA && 5 * before >= 4 * total) tierA = { ...member };
      if (20 * before >= 19 * total) return { tierA, tierB: { ...member } };
      before += member.m;
    }
  }
  return { tierA, tierB: null };
}

/** A population held in memory: for tests and for small batch computations. */
export function inMemoryPopulation(members: readonly Member[]): PopulationView {
  const sorted = (dimension: 'lastPurchaseDay' | 'f' | 'm') =>
    members.map((p) => p[dimension]).sort((a, b) => a - b);
  return {
    size: async () => members.length,
    sums: async () => ({
      lastPurchaseDay: members.reduce((s, p) => s + p.lastPurchaseDay, 0),
      f: members.reduce((s, p) => s + p.f, 0),
      m: members.reduce((s, p) => s + p.m, 0),
    }),
    kthSmallest: async (dimension, k) => sorted(dimension)[k - 1] as number,
    async *byMonetaryDescending() {
      const ranked = [...members].sort(
        (a, b) => b.m - a.m || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0),
      );
      for (const p of ranked) yield { customerId: p.customerId, m: p.m };
    },
  };
}
