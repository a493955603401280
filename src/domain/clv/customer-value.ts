// One customer's value as of a day under a fitted model: P(alive), expected
// transactions over the horizon and predicted CLV, from the live state; and the
// days at which P(alive) crosses the churn-risk levels, for the due index.

import type { CustomerState } from '../customer.js';
import { conditionalExpectedTransactions, probabilityAlive } from './bgnbd.js';
import { type ClvCustomer, predictedClv } from './clv.js';
import { P_ALIVE_LOW, P_ALIVE_VERY_LOW, type ValueSettings } from './value-model.js';

export interface CustomerValue {
  modelVersion: string;
  pAlive: number;
  /** Expected transactions in the horizon after `today`. */
  expectedTransactions: number;
  horizonDays: number;
  /** Expected spend in the horizon, minor units of the reporting currency (a prediction, so fractional). */
  predictedClv: number;
}

/**
 * The BG/NBD and Gamma-Gamma summary of a customer as of `today`, in the model's
 * time unit: x repeat transactions, tx the age of the last, T the age today, mx
 * the mean repeat spend. Null before the first purchase.
 */
export function valueSummaryOf(state: CustomerState, today: number, daysPerUnit: number): ClvCustomer | null {
  const first = state.firstPurchaseDay;
  const last = state.lastPurchaseDay;
  if (first === null || last === null || today < last) return null;
  const x = state.lifetimeTransactions - 1;
  return {
    x,
    tx: (last - first) / daysPerUnit,
    T: (today - first) / daysPerUnit,
    mx: x > 0 ? state.repeatSpend / x : 0,
  };
}

export function customerValueOf(
  state: CustomerState,
  today: number,
  settings: ValueSettings,
): CustomerValue | null {
  const { model, horizonDays, annualDiscountRate } = settings;
  const summary = valueSummaryOf(state, today, model.daysPerUnit);
  if (!summary) return null;
  const horizon = horizonDays / model.daysPerUnit;
  const months = Math.max(1, Math.round(horizonDays / (365.25 / 12)));
  return {
    modelVersion: model.version,
    pAlive: probabilityAlive(model.bgnbd, summary.x, summary.tx, summary.T),
    expectedTransactions: conditionalExpectedTransactions(
      model.bgnbd,
      horizon,
      summary.x,
      summary.tx,
      summary.T,
    ),
    horizonDays,
    predictedClv: predictedClv(model, summary, horizon, {
      discountRatePerPeriod: (1 + annualDiscountRate) ** (1 / 12) - 1,
      periods: months,
    }),
  };
}

/**
 * The days after which P(alive) may fall below each churn-risk level with no new
 * event: P(alive) < p exactly when T > (alpha + tx) K^(1 / (r + x)) - alpha, with
 * K = (1 / p - 1) (b + x - 1) / a. Both days around each crossing are given, so
 * rounding can only add a day, never miss one. None without a repeat purchase
 * (P(alive) is then 1 whatever the age).
 */
export function pAliveCrossingDays(state: CustomerState, settings: ValueSettings): number[] {
  const first = state.firstPurchaseDay;
  const last = state.lastPurchaseDay;
  const x = state.lifetimeTransactions - 1;
  if (first === null || last === null || x < 1) return [];
  const { r, alpha, a, b } = settings.model.bgnbd;
  const unit = settings.model.daysPerUnit;
  const tx = (last - first) / unit;
  const days: number[] = [];
  for (const level of [P_ALIVE_LOW, P_ALIVE_VERY_LOW]) {
    const logK = Math.log(1 / level - 1) + Math.log(b + x - 1) - Math.log(a);
    const crossingT = (alpha + tx) * Math.exp(logK / (r + x)) - alpha;
    if (!Number.isFinite(crossingT)) continue;
    const day = Math.floor(first + crossingT * unit);
    days.push(day, day + 1);
  }
  return days;
}
