// A version of the population thresholds (src/domain/README.md, "The population
// and its thresholds"): what the population models compare a customer with.

/** A tier boundary: the first customer, in rank order, at which the revenue share is reached. */
export interface TierBoundary {
  m: number;
  customerId: string;
}

export interface Thresholds {
  /** The tick day as YYYY-MM-DD, or '0000-00-00' for the empty version before the first tick. */
  version: string;
  /** The tick day number, or null for the empty version. */
  day: number | null;
  size: number;
  sumR: number;
  sumF: number;
  sumM: number;
  /** k = 1..4 at index 0..3: the need_k-th smallest f, m and the need_k-th largest r of P. */
  fCuts: number[];
  mCuts: number[];
  rCuts: number[];
  tierA: TierBoundary | null;
  tierB: TierBoundary | null;
}

export const EMPTY_THRESHOLDS: Thresholds = {
  version: '0000-00-00',
  day: null,
  size: 0,
  sumR: 0,
  sumF: 0,
  sumM: 0,
  fCuts: [],
  mCuts: [],
  rCuts: [],
  tierA: null,
  tierB: null,
};
