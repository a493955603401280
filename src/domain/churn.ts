// Churn risk (SPEC "Churn risk"): a level and the signals behind it, from how long
// a customer has slept, how its buying fell between the two trend windows, and
// P(alive) when a BG/NBD model is fitted.
import type { CustomerFacts } from './facts.js';

export const CHURN_LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type ChurnLevel = (typeof CHURN_LEVELS)[number];

export const CHURN_REASONS = [
  'DOZING',
  'HALF_ASLEEP',
  'DEEP_SLEEP',
  'FREQUENCY_DROP',
  'SPEND_DROP',
  'P_ALIVE_LOW',
  'P_ALIVE_VERY_LOW',
] as const;
export type ChurnReason = (typeof CHURN_REASONS)[number];

export interface ChurnRisk {
  level: ChurnLevel;
  /** Every signal that fired, in CHURN_REASONS order. */
  reasons: ChurnReason[];
}

export const NO_RISK: ChurnRisk = { level: 'NONE', reasons: [] };

const LEVEL_OF: Record<ChurnReason, ChurnLevel> = {
  DOZING: 'LOW',
  HALF_ASLEEP: 'MEDIUM',
  DEEP_SLEEP: 'HIGH',
  FREQUENCY_DROP: 'MEDIUM',
  SPEND_DROP: 'MEDIUM',
  P_ALIVE_LOW: 'MEDIUM',
  P_ALIVE_VERY_LOW: 'HIGH',
};

/** The seeds' alert: the last 90 days below half of the 90 before, where the earlier count was at least 2. */
function dropped(recent: number, prior: number, priorCount: number): boolean {
  return priorCount >= 2 && 2 * recent < prior;
}

export function churnRiskOf(facts: CustomerFacts, pAlive: number | null): ChurnRisk {
  const fired = new Set<ChurnReason>();
  const { r } = facts;
  if (r !== null) {
    if (r >= 180) fired.add('DEEP_SLEEP');
    else if (r >= 90) fired.add('HALF_ASLEEP');
    else if (r >= 30) fired.add('DOZING');
  }
  if (dropped(facts.recent90Count, facts.prior90Count, facts.prior90Count)) fired.add('FREQUENCY_DROP');
  if (dropped(facts.recent90Spend, facts.prior90Spend, facts.prior90Count)) fired.add('SPEND_DROP');
  if (pAlive !== null) {
    if (pAlive < 0.2) fired.add('P_ALIVE_VERY_LOW');
    else if (pAlive < 0.5) fired.add('P_ALIVE_LOW');
  }
  const reasons = CHURN_REASONS.filter((reason) => fired.has(reason));
  const level = reasons.reduce<ChurnLevel>(
    (highest, reason) =>
      CHURN_LEVELS.indexOf(LEVEL_OF[reason]) > CHURN_LEVELS.indexOf(highest) ? LEVEL_OF[reason] : highest,
    'NONE',
  );
  return { level, reasons };
}

export function sameRisk(a: ChurnRisk, b: ChurnRisk): boolean {
  return a.level === b.level && a.reasons.join() === b.reasons.join();
}
