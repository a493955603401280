// A customer's segment in every model from its numbers and a thresholds version
// (src/domain/README.md, "Classifying a customer"; SPEC.md, "Segment models").

import type {
  ActivitySegment,
  LifecycleSegment,
  Rfm8Segment,
  RfmScoreSegment,
  Segments,
  TierSegment,
} from '../domain/segments.js';
import { INACTIVE } from '../domain/segments.js';
import type { Thresholds, TierBoundary } from '../domain/thresholds.js';
import type { CustomerFacts } from './customer-facts.js';

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/** The customer's numbers the population models need: only defined with f >= 1. */
interface Active {
  customerId: string;
  r: number;
  f: number;
  m: number;
}

function activeOf(facts: CustomerFacts): Active | null {
  if (facts.f === 0) return null;
  if (facts.r === null) throw new Error(`customer ${facts.customerId} has f = ${facts.f} but no recency`);
  return { customerId: facts.customerId, r: facts.r, f: facts.f, m: facts.m };
}

/** Integer `value * n` compared with an integer sum, in BigInt: the products may pass 2^53. */
function times(value: number, n: number): bigint {
  return BigInt(value) * BigInt(n);
}

// The SPEC table, row by row: recent, highF, highM, segment.
const RFM8_TABLE: readonly [boolean, boolean, boolean, Rfm8Segment][] = [
  [true, true, true, 'IMPORTANT_VALUE'],
  [true, false, true, 'IMPORTANT_DEVELOP'],
  [false, true, true, 'IMPORTANT_RETAIN'],
  [false, false, true, 'IMPORTANT_WINBACK'],
  [true, true, false, 'GENERAL_VALUE'],
  [true, false, false, 'GENERAL_DEVELOP'],
  [false, true, false, 'GENERAL_RETAIN'],
  [false, false, false, 'GENERAL_WINBACK'],
];

export function rfm8Segment(facts: CustomerFacts, thresholds: Thresholds): Rfm8Segment {
  const c = activeOf(facts);
  if (c === null) return INACTIVE;
  const n = thresholds.size;
  // With n = 0 every product is 0 and every sum is 0, so each comparison holds.
  const recent = times(c.r, n) <= BigInt(thresholds.sumR);
  const highF = times(c.f, n) >= BigInt(thresholds.sumF);
  const highM = times(c.m, n) >= BigInt(thresholds.sumM);
  const row = RFM8_TABLE.find(([r, f, m]) => r === recent && f === highF && m === highM);
  if (!row) throw new Error('rfm8 table is incomplete');
  return row[3];
}

/** R, F, M in 1..5; null for a customer outside P (f = 0). All 5 against an empty version. */
export function referenceScores(facts: CustomerFacts, thresholds: Thresholds): RfmScores | null {
  const c = activeOf(facts);
  if (c === null) return null;
  if (thresholds.size === 0) return { r: 5, f: 5, m: 5 };
  const above = (cuts: number[], passes: (cut: number) => boolean) => 1 + cuts.filter(passes).length;
  return {
    r: above(thresholds.rCuts, (cut) => c.r < cut),
    f: above(thresholds.fCuts, (cut) => c.f > cut),
    m: above(thresholds.mCuts, (cut) => c.m > cut),
  };
}

type Range = readonly [number, number];

// SPEC order: the first matching rule wins.
const RFM_SCORE_RULES: readonly { segment: RfmScoreSegment; r: Range; f: Range; m: Range }[] = [
  { segment: 'CHAMPIONS', r: [4, 5], f: [4, 5], m: [4, 5] },
  { segment: 'LOYAL', r: [2, 5], f: [3, 5], m: [3, 5] },
  { segment: 'NEW', r: [4, 5], f: [1, 1], m: [1, 1] },
  { segment: 'PROMISING', r: [3, 4], f: [1, 1], m: [1, 1] },
  { segment: 'POTENTIAL_LOYALIST', r: [3, 5], f: [1, 3], m: [1, 3] },
  { segment: 'NEED_ATTENTION', r: [2, 3], f: [2, 3], m: [2, 3] },
  { segment: 'ABOUT_TO_SLEEP', r: [2, 3], f: [1, 2], m: [1, 2] },
  { segment: 'CANT_LOSE', r: [1, 1], f: [4, 5], m: [4, 5] },
  { segment: 'AT_RISK', r: [1, 2], f: [2, 5], m: [2, 5] },
  { segment: 'LOST', r: [1, 2], f: [1, 2], m: [1, 2] },
];

export function rfmScoreSegment(scores: RfmScores): RfmScoreSegment {
  const within = (value: number, [low, high]: Range) => low <= value && value <= high;
  const rule = RFM_SCORE_RULES.find(
    (candidate) =>
      within(scores.r, candidate.r) && within(scores.f, candidate.f) && within(scores.m, candidate.m),
  );
  return rule ? rule.segment : 'OTHERS';
}

/** (m, id) ranks before the boundary: more spend, or the same spend and a smaller id. */
function ranksBefore(c: Active, boundary: TierBoundary): boolean {
  return c.m > boundary.m || (c.m === boundary.m && c.customerId < boundary.customerId);
}

export function tierSegment(facts: CustomerFacts, thresholds: Thresholds): TierSegment {
  const c = activeOf(facts);
  if (c === null) return INACTIVE;
  if (thresholds.tierA === null || ranksBefore(c, thresholds.tierA)) return 'A';
  if (thresholds.tierB === null || ranksBefore(c, thresholds.tierB)) return 'B';
  return 'C';
}

export function lifecycleSegment(facts: CustomerFacts): LifecycleSegment | null {
  const { f, r, lifetimeTransactions } = facts;
  if (f >= 4 && r !== null && r <= 90) return 'LOYAL';
  if (lifetimeTransactions >= 2 && f >= 1) return 'REPEAT';
  if (lifetimeTransactions === 1 && f === 1) return 'FIRST_PURCHASE';
  if (lifetimeTransactions >= 1 && f === 0) return 'LAPSED';
  if (facts.signedUp) return 'PROSPECT';
  return null;
}

export function activitySegment(facts: CustomerFacts): ActivitySegment | null {
  const { r } = facts;
  if (r === null) return null;
  if (r < 30) return 'ACTIVE';
  if (r < 90) return 'DOZING';
  if (r < 180) return 'HALF_ASLEEP';
  return 'DEEP_SLEEP';
}

export function referenceSegments(facts: CustomerFacts, thresholds: Thresholds): Segments {
  const scores = referenceScores(facts, thresholds);
  return {
    rfm8: rfm8Segment(facts, thresholds),
    'rfm-scores': scores === null ? INACTIVE : rfmScoreSegment(scores),
    tier: tierSegment(facts, thresholds),
    lifecycle: lifecycleSegment(facts),
    activity: activitySegment(facts),
  };
}
