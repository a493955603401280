// A fitted pair of value models as `rfm fit` stores it and the processor uses
// it: BG/NBD for how often a customer buys and whether they are still alive,
// Gamma-Gamma for how much a transaction is worth.

import type { BgnbdParams } from './bgnbd.js';
import type { GammaGammaParams } from './gamma-gamma.js';

export interface ValueModel {
  /** Id of this fit, unique within a namespace and input topic. */
  version: string;
  /** Last UTC day (YYYY-MM-DD) of the calibration period the fit used. */
  calibrationEnd: string;
  /** Days per time unit of the parameters: 7 means alpha is in weeks. */
  daysPerUnit: number;
  bgnbd: BgnbdParams & { logLikelihood: number };
  /** Gamma-Gamma parameters; v is in minor units of the reporting currency. */
  gammaGamma: GammaGammaParams & { logLikelihood: number };
  /** Customers the BG/NBD fit used, and those with a repeat purchase (the Gamma-Gamma fit). */
  customers: number;
  repeatCustomers: number;
  /** Wall-clock time of the fit, ISO-8601. */
  fittedAt: string;
}

/** How the processor applies a model: the horizon of expected transactions and CLV, and discounting. */
export interface ValueSettings {
  model: ValueModel;
  /** Horizon of expected transactions and predicted CLV, in days. */
  horizonDays: number;
  /** Yearly discount rate of predicted CLV (0.1 = 10 %), applied month by month; 0 for none. */
  annualDiscountRate: number;
}

/** The P(alive) levels below which the churn-risk signals fire. */
export const P_ALIVE_LOW = 0.5;
export const P_ALIVE_VERY_LOW = 0.2;
