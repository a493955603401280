// Classifies one customer under the five models, as of a day, with a thresholds
// version (src/domain/README.md, "Classifying a customer").
import type { CustomerFacts } from './facts.js';
import { INACTIVE, type Segments } from './segments.js';
import type { Thresholds, TierBoundary } from './thresholds.js';

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/** Integer `a * b <= c` without losing precision past 2^53. */
function productAtMost(a: number, b: number, c: number): boolean {
  const p = a * b;
  if (Number.isSafeInteger(p)) return p <= c;
  return BigInt(a) * BigInt(b) <= BigInt(c);
}

function productAtLeast(a: number, b: number, c: number): boolean {
  const p = a * b;
  if (Number.isSafeInteger(p)) return p >= c;
  return BigInt(a) * BigInt(b) >= BigInt(c);
}

function rfm8Of(facts: CustomerFacts, t: Thresholds): string {
  const n = t.size;
  const r = facts.r ?? 0;
  const recent = n === 0 || productAtMost(r, n, t.sumR);
  const highF = n === 0 || productAtLeast(facts.f, n, t.sumF);
  const highM = n === 0 || productAtLeast(facts.m, n, t.sumM);
  const importance = highM ? 'IMPORTANT' : 'GENERAL';
  const kind = recent ? (highF ? 'VALUE' : 'DEVELOP') : highF ? 'RETAIN' : 'WINBACK';
  return `${importance}_${kind}`;
}

export function scoresOf(facts: CustomerFacts, t: Thresholds): RfmScores | null {
  if (facts.f === 0) return null;
  if (t.size === 0) return { r: 5, f: 5, m: 5 };
  const r = facts.r ?? 0;
  return {
    r: 1 + t.rCuts.filter((cut) => r < cut).length,
    f: 1 + t.fCuts.filter((cut) => facts.f > cut).length,
    m: 1 + t.mCuts.filter((cut) => facts.m > cut).length,
  };
}

type Range = readonly [number, number];
const SCORE_RULES: ReadonlyArray<readonly [string, Range, Range, Range]> = [
  ['CHAMPIONS', [4, 5], [4, 5], [4, 5]],
  ['LOYAL', [2, 5], [3, 5], [3, 5]],
  ['NEW', [4, 5], [1, 1], [1, 1]],
  ['PROMISING', [3, 4], [1, 1], [1, 1]],
  ['POTENTIAL_LOYALIST', [3, 5], [1, 3], [1, 3]],
  ['NEED_ATTENTION', [2, 3], [2, 3], [2, 3]],
  ['ABOUT_TO_SLEEP', [2, 3], [1, 2], [1, 2]],
  ['CANT_LOSE', [1, 1], [4, 5], [4, 5]],
  ['AT_RISK', [1, 2], [2, 5], [2, 5]],
  ['LOST', [1, 2], [1, 2], [1, 2]],
];

const within = (v: number, [lo, hi]: Range) => v >= lo && v <= hi;

export function scoreSegmentOf(scores: RfmScores): string {
  for (const [segment, r, f, m] of SCORE_RULES) {
    if (within(scores.r, r) && within(scores.f, f) && within(scores.m, m)) return segment;
  }
  return 'OTHERS';
}

/** Whether (m, id) ranks before the boundary: higher spend first, ties by customer id. */
function ranksBefore(m: number, customerId: string, boundary: TierBoundary): boolean {
  return m > boundary.m || (m === boundary.m && customerId < boundary.customerId);
}

function tierOf(facts: CustomerFacts, customerId: string, t: Thresholds): string {
  if (!t.tierA || ranksBefore(facts.m, customerId, t.tierA)) return 'A';
  if (!t.tierB || ranksBefore(facts.m, customerId, t.tierB)) return 'B';
  return 'C';
}

function lifecycleOf(facts: CustomerFacts): string | null {
  const { f, r, lifetimeTransactions: lifetime } = facts;
  if (f >= 4 && r !== null && r <= 90) return 'LOYAL';
  if (lifetime >= 2 && f >= 1) return 'REPEAT';
  if (lifetime === 1 && f === 1) return 'FIRST_PURCHASE';
  if (lifetime >= 1 && f === 0) return 'LAPSED';
  if (facts.signedUp) return 'PROSPECT';
  return null;
}

export const ACTIVITY_GRADES = [
  { segment: 'ACTIVE', below: 30 },
  { segment: 'DOZING', below: 90 },
  { segment: 'HALF_ASLEEP', below: 180 },
] as const;

function activityOf(facts: CustomerFacts): string | null {
  if (facts.r === null) return null;
  const r = facts.r;
  return ACTIVITY_GRADES.find((g) => r < g.below)?.segment ?? 'DEEP_SLEEP';
}

export function segmentsOf(facts: CustomerFacts, customerId: string, t: Thresholds): Segments {
  const scores = scoresOf(facts, t);
  const inP = facts.f > 0;
  return {
    rfm8: inP ? rfm8Of(facts, t) : INACTIVE,
    'rfm-scores': scores ? scoreSegmentOf(scores) : INACTIVE,
    tier: inP ? tierOf(facts, customerId, t) : INACTIVE,
    lifecycle: lifecycleOf(facts),
    activity: activityOf(facts),
  };
}
