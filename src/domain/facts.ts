// A customer's R, F, M and trend numbers as of a day, derived from its state.
import { type CustomerState, TREND_DAYS } from './customer.js';

export interface CustomerFacts {
  signedUp: boolean;
  lifetimeTransactions: number;
  firstPurchaseDay: number | null;
  lastPurchaseDay: number | null;
  /** max(0, lifetime purchases - lifetime refunds), minor units. */
  lifetimeSpend: number;
  /** Transactions (purchase days) in the window. */
  f: number;
  /** max(0, purchases - refunds in the window), minor units. */
  m: number;
  /** Whole days since the last purchase day; null without a purchase. */
  r: number | null;
  recent90Count: number;
  recent90Spend: number;
  prior90Count: number;
  prior90Spend: number;
}

export function factsOf(state: CustomerState, today: number, windowDays: number): CustomerFacts {
  let f = 0;
  let windowNet = 0;
  let recent90Count = 0;
  let recent90Spend = 0;
  let prior90Count = 0;
  let prior90Spend = 0;
  for (const b of state.buckets) {
    const age = today - b.day;
    if (age < 0) continue;
    const net = b.purchases - b.refunds;
    const tx = b.purchased ? 1 : 0;
    if (age < windowDays) {
      f += tx;
      windowNet += net;
    }
    if (age < TREND_DAYS) {
      recent90Count += tx;
      recent90Spend += net;
    } else if (age < 2 * TREND_DAYS) {
      prior90Count += tx;
      prior90Spend += net;
    }
  }
  return {
    signedUp: state.signedUp,
    lifetimeTransactions: state.lifetimeTransactions,
    firstPurchaseDay: state.firstPurchaseDay,
    lastPurchaseDay: state.lastPurchaseDay,
    lifetimeSpend: Math.max(0, state.lifetimePurchases - state.lifetimeRefunds),
    f,
    m: Math.max(0, windowNet),
    r: state.lastPurchaseDay === null ? null : today - state.lastPurchaseDay,
    recent90Count,
    recent90Spend,
    prior90Count,
    prior90Spend,
  };
}
