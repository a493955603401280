// Calibration summaries for the value models: each customer's (x, tx, T, mx) as of
// the end of a calibration period, by the convention of lifetimes'
// `summary_data_from_transaction_data` (which reproduces the CDNOW summaries).

import type { Order } from '../order.js';
import { dayOf } from '../time.js';

export interface CalibrationOptions {
  /** Last UTC day (days since 1970-01-01) of the calibration period; its events count. */
  calibrationEndDay: number;
  /** Days per time unit of tx and T: 7 for weeks, 1 for days. */
  daysPerUnit: number;
}

export interface CalibrationSummary {
  customerId: string;
  /** Repeat transactions: purchase days after the first. */
  x: number;
  /** (last purchase day - first purchase day) / daysPerUnit. */
  tx: number;
  /** (calibrationEndDay - first purchase day) / daysPerUnit. */
  T: number;
  /** Mean net amount of the repeat transactions, in minor units; 0 when x = 0. */
  mx: number;
}

/**
 * One summary per customer with a purchase on or before the calibration end day,
 * sorted by customer id. A transaction is a customer's purchase day: all their
 * PURCHASE events of one UTC day, amounts summed, minus their REFUND events of that
 * day, floored at 0. A refund on a day without a purchase changes nothing (it is no
 * transaction and the model has no negative spend); SIGNUP events are ignored;
 * duplicate event ids count once.
 */
export function calibrationSummaries(
  orders: Iterable<Order>,
  options: CalibrationOptions,
): CalibrationSummary[] {
  const { calibrationEndDay, daysPerUnit } = options;
  if (!Number.isInteger(calibrationEndDay)) {
    throw new RangeError(`calibrationEndDay must be a whole UTC day number, got ${calibrationEndDay}`);
  }
  if (!(daysPerUnit > 0)) throw new RangeError(`daysPerUnit must be > 0, got ${daysPerUnit}`);

  const seen = new Set<string>();
  // customer -> day -> net amount; purchase days are the keys of `purchases`.
  const purchases = new Map<string, Map<number, number>>();
  const refunds = new Map<string, Map<number, number>>();
  for (const order of orders) {
    if (order.kind === 'SIGNUP' || seen.has(order.eventId)) continue;
    seen.add(order.eventId);
    const day = dayOf(order.eventTime);
    if (day > calibrationEndDay) continue;
    const byCustomer = order.kind === 'PURCHASE' ? purchases : refunds;
    let days = byCustomer.get(order.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(order.customerId, days);
    }
    days.set(day, (days.get(day) ?? 0) + order.amountMinor);
  }

  const summaries: CalibrationSummary[] = [];
  for (const [customerId, days] of purchases) {
    const refunded = refunds.get(customerId);
    const purchaseDays = [...days.keys()].sort((d, e) => d - e);
    const first = purchaseDays[0] as number;
    const last = purchaseDays[purchaseDays.length - 1] as number;
    const x = purchaseDays.length - 1;
    let repeatSpend = 0;
    for (const day of purchaseDays.slice(1)) {
      repeatSpend += Math.max(0, (days.get(day) as number) - (refunded?.get(day) ?? 0));
    }
    summaries.push({
      customerId,
      x,
      tx: (last - first) / daysPerUnit,
      T: (calibrationEndDay - first) / daysPerUnit,
      mx: x > 0 ? repeatSpend / x : 0,
    });
  }
  return summaries.sort((s, t) => (s.customerId < t.customerId ? -1 : s.customerId > t.customerId ? 1 : 0));
}
