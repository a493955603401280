// When time alone changes a customer's answer: the next day after `today` at
// which a window count, an activity grade, the lifecycle or P(alive)'s churn
// signal can change with no new event. Changes that depend on the thresholds too (rfm8 recency, the R
// score) are found by value ranges when the clock moves (src/processor/affected.ts).
import { pAliveCrossingDays } from './clv/customer-value.js';
import type { ValueSettings } from './clv/value-model.js';
import { type CustomerState, TREND_DAYS } from './customer.js';

/** The ages (days since the last purchase) at which activity and lifecycle change. */
const RECENCY_EDGES = [30, 90, 91, 180];

/**
 * The smallest day > `today` at which something may change, or null if nothing
 * ever will without an event. A superset is fine (an evaluation that finds no
 * change emits nothing); missing a day is not.
 */
export function nextDueDay(
  state: CustomerState,
  today: number,
  windowDays: number,
  value: ValueSettings | null = null,
): number | null {
  let due = Number.POSITIVE_INFINITY;
  const consider = (day: number) => {
    if (day > today && day < due) due = day;
  };
  // A bucket leaves the trend windows and the window at these ages.
  for (const b of state.buckets) {
    consider(b.day + TREND_DAYS);
    consider(b.day + 2 * TREND_DAYS);
    consider(b.day + windowDays);
  }
  const last = state.lastPurchaseDay;
  if (last !== null) {
    for (const age of RECENCY_EDGES) consider(last + age);
  }
  if (value) for (const day of pAliveCrossingDays(state, value)) consider(day);
  return Number.isFinite(due) ? due : null;
}
