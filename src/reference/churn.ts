// The churn-risk level and reasons of one customer, straight from SPEC.md
// ("Churn risk"), without P(alive).
import type { CustomerFacts } from './customer-facts.js';

export interface ReferenceChurn {
  level: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';
  reasons: string[];
}

export function referenceChurn(facts: CustomerFacts): ReferenceChurn {
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
  return { level: (['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const)[rank] ?? 'NONE', reasons };
}
