// Cohort retention (SPEC "Customer value models"): a customer belongs to the
// cohort of the month of its first purchase, and is retained N days when it
// bought again, on a later day, within N days of that first purchase.
import type { CustomerState } from './customer.js';
import { isoMonth } from './time.js';

export const RETENTION_DAYS = [2, 7, 14, 30] as const;

export interface CohortMembership {
  /** YYYY-MM of the first purchase. */
  cohort: string;
  /** The N of RETENTION_DAYS the customer is retained for. */
  retainedWithin: number[];
}

export function cohortMembershipOf(state: CustomerState): CohortMembership | null {
  const first = state.firstPurchaseDay;
  if (first === null) return null;
  const second = state.secondPurchaseDay;
  return {
    cohort: isoMonth(first),
    retainedWithin: second === null ? [] : RETENTION_DAYS.filter((n) => second - first <= n),
  };
}
