// The churn rate of a month (SPEC "Customer value models"): of the customers
// active at its first day, the share lapsed at the first day of the next. A
// customer is lapsed on day B when its last purchase before B is L or more days
// ago (L = RFM_CHURN_AFTER, as the activity grades count days since the last
// purchase), and active when it bought in B - L + 1 .. B - 1. With L longer than
// a month, a customer active at B_prev and lapsed at B bought nothing in between,
// its last purchase lying in B_prev - L + 1 .. B - L: the counts follow from the
// last purchase day alone for customers who have not bought since B, and from
// their kept day buckets for those who have.
import type { CustomerState } from './customer.js';

/** Whether the customer bought on a day in [from, to]. */
export function purchasedBetween(state: CustomerState, from: number, to: number): boolean {
  return state.buckets.some((b) => b.purchased && b.day >= from && b.day <= to);
}

/** Whether a customer is active on day `day`: a purchase fewer than `lapseDays` days before it. */
export function activeOn(state: CustomerState, day: number, lapseDays: number): boolean {
  return purchasedBetween(state, day - lapseDays + 1, day - 1);
}

/**
 * The last-purchase-day ranges (inclusive) of the customers who have not bought
 * since `monthStart`: those active at `monthStart`, and those active at
 * `previousMonthStart` and lapsed at `monthStart` (churned in the month before).
 */
export function lapseRanges(
  monthStart: number,
  previousMonthStart: number,
  lapseDays: number,
): { active: [number, number]; churned: [number, number] } {
  return {
    active: [monthStart - lapseDays + 1, monthStart - 1],
    churned: [previousMonthStart - lapseDays + 1, monthStart - lapseDays],
  };
}
