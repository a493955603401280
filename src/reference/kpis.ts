// The population KPIs straight from their definitions (SPEC "Customer value
// models"), over each customer's list of purchase days: the churn rate of a
// month, and the day-N retention of each first-purchase cohort.
import type { Order } from '../domain/order.js';

const DAY = 86_400_000;
const day = (time: number) => Math.floor(time / DAY);
const month = (d: number) => new Date(d * DAY).toISOString().slice(0, 7);

/** Each customer's distinct purchase days, ascending; duplicate event ids count once. */
function purchaseDays(orders: readonly Order[]): Map<string, number[]> {
  const seen = new Set<string>();
  const days = new Map<string, Set<number>>();
  for (const o of orders) {
    if (o.kind !== 'PURCHASE' || seen.has(o.eventId)) continue;
    seen.add(o.eventId);
    const set = days.get(o.customerId) ?? new Set<number>();
    set.add(day(o.eventTime));
    days.set(o.customerId, set);
  }
  return new Map([...days].map(([id, set]) => [id, [...set].sort((a, b) => a - b)]));
}

export interface ReferenceMonthChurn {
  month: string;
  active: number;
  churned: number;
}

/**
 * For the month starting on day `start` (and ending before `end`): the customers
 * with a purchase fewer than `lapseDays` days before `start` (active), and those
 * of them with none fewer than `lapseDays` days before `end` (lapsed by then).
 */
export function referenceMonthChurn(
  orders: readonly Order[],
  start: number,
  end: number,
  lapseDays: number,
): ReferenceMonthChurn {
  const activeOn = (days: number[], on: number) => days.some((d) => d < on && on - d < lapseDays);
  let active = 0;
  let churned = 0;
  for (const days of purchaseDays(orders).values()) {
    if (!activeOn(days, start)) continue;
    active++;
    if (!activeOn(days, end)) churned++;
  }
  return { month: month(start), active, churned };
}

export interface ReferenceCohort {
  cohort: string;
  customers: number;
  /** N -> customers who bought again on a day 1..N days after their first. */
  retained: Record<number, number>;
}

export function referenceRetention(
  orders: readonly Order[],
  retentionDays: readonly number[],
): ReferenceCohort[] {
  const cohorts = new Map<string, ReferenceCohort>();
  for (const days of purchaseDays(orders).values()) {
    const first = days[0] as number;
    const key = month(first);
    const cohort = cohorts.get(key) ?? { cohort: key, customers: 0, retained: {} };
    cohort.customers++;
    for (const n of retentionDays) {
      if (days.some((d) => d > first && d - first <= n)) cohort.retained[n] = (cohort.retained[n] ?? 0) + 1;
    }
    cohorts.set(key, cohort);
  }
  return [...cohorts.values()].sort((a, b) => a.cohort.localeCompare(b.cohort));
}
