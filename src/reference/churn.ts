// The churn-risk level and reasons of one customer, straight from SPEC.md
// ("Churn risk"), and BG/NBD's P(alive) written as the paper has it.
import type { CustomerFacts } from './customer-facts.js';

export interface ReferenceBgnbd {
  r: number;
  alpha: number;
  a: number;
  b: number;
  /** Days per time unit of the parameters. */
  daysPerUnit: number;
}

/**
 * P(alive) as of `today` (Fader, Hardie and Lee 2005, eq. 11):
 * 1 / (1 + delta(x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx))^(r + x)),
 * with x the purchase days after the first, tx and T measured from the first.
 */
export function referencePAlive(facts: CustomerFacts, today: number, model: ReferenceBgnbd): number | null {
  if (facts.firstPurchaseDay === null || facts.lastPurchaseDay === null) return null;
  const x = facts.lifetimeTransactions - 1;
  if (x === 0) return 1;
  const tx = (facts.lastPurchaseDay - facts.firstPurchaseDay) / model.daysPerUnit;
  const T = (today - facts.firstPurchaseDay) / model.daysPerUnit;
  const { r, alpha, a, b } = model;
  return 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}

export interface ReferenceChurn {
  level: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
  reasons: string[];
}

export function referenceChurn(facts: CustomerFacts, pAlive: number | null = null): ReferenceChurn {
  const reasons: string[] = [];
  let rank = 0;
  const raise = (reason: string, level: number) => {
    reasons.push(reason);
    rank = Math.max(rank, level);
  };
  if (facts.r !== null && facts.r >= 30 && facts.r < 90) raise('DOZING', 1);
  if (facts.r !== null && facts.r >= 90 && facts.r < 180) raise('HALF_ASLEEP', 2);
  if (facts.r !== null && facts.r >= 180) raise('DEEP_SLEEP', 3);
  // "below half of the 90 days before, where the earlier count was at least 2"
  if (facts.prior90Count >= 2 && facts.recent90Count < facts.prior90Count / 2) raise('FREQUENCY_DROP', 2);
  if (facts.prior90Count >= 2 && facts.recent90Spend < facts.prior90Spend / 2) raise('SPEND_DROP', 2);
  if (pAlive !== null && pAlive < 0.5 && pAlive >= 0.2) raise('P_ALIVE_LOW', 2);
  if (pAlive !== null && pAlive < 0.2) raise('P_ALIVE_VERY_LOW', 3);
  return { level: (['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const)[rank] ?? 'NONE', reasons };
}
