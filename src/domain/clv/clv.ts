// Predicted customer lifetime value over a horizon: BG/NBD expected transactions
// times Gamma-Gamma expected spend, optionally discounted period by period.

import { type BgnbdParams, conditionalExpectedTransactions } from './bgnbd.js';
import { conditionalExpectedSpend, type GammaGammaParams } from './gamma-gamma.js';

export interface ClvModels {
  bgnbd: BgnbdParams;
  gammaGamma: GammaGammaParams;
}

/** A customer's calibration summary: BG/NBD (x, tx, T) plus mean repeat spend mx. */
export interface ClvCustomer {
  x: number;
  tx: number;
  T: number;
  mx: number;
}

export interface ClvOptions {
  /**
   * Discount rate per period (0.01 = 1 %); each period's transactions are
   * discounted to T as if they happened at the period's end. @default 0
   */
  discountRatePerPeriod?: number;
  /** Equal periods the horizon is split into for discounting. @default 1 */
  periods?: number;
}

/**
 * Expected value of a customer's purchases in the `horizon` time units after T,
 * in the money unit of mx. Period i (of `periods`) contributes
 * (E[Y(i h / periods)] - E[Y((i - 1) h / periods)]) * E[M] / (1 + rate)^i,
 * which is what lifetimes' `customer_lifetime_value` does; without a discount
 * rate the periods telescope to E[Y(h)] * E[M].
 */
export function predictedClv(
  models: ClvModels,
  customer: ClvCustomer,
  horizon: number,
  options: ClvOptions = {},
): number {
  const rate = options.discountRatePerPeriod ?? 0;
  const periods = options.periods ?? 1;
  if (!(horizon >= 0)) throw new RangeError(`horizon must be >= 0, got ${horizon}`);
  if (!(Number.isInteger(periods) && periods >= 1)) {
    throw new RangeError(`periods must be a whole number >= 1, got ${periods}`);
  }
  if (!(rate > -1)) throw new RangeError(`discountRatePerPeriod must be > -1, got ${rate}`);
  const { x, tx, T, mx } = customer;
  const spend = conditionalExpectedSpend(models.gammaGamma, x, mx);
  const expectedBy = (t: number) => conditionalExpectedTransactions(models.bgnbd, t, x, tx, T);
  if (rate === 0) return expectedBy(horizon) * spend;
  let value = 0;
  let before = 0;
  for (let i = 1; i <= periods; i++) {
    const byEnd = expectedBy((horizon * i) / periods);
    value += (byEnd - before) / (1 + rate) ** i;
    before = byEnd;
  }
  return value * spend;
}
