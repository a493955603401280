// The Gamma-Gamma model of spend per transaction (Fader and Hardie, "The
// Gamma-Gamma Model of Monetary Value", 2013): likelihood, fit and expected spend.

import { type MinimizeOptions, minimize } from './optimize.js';
import { lnGamma } from './special.js';

export interface GammaGammaParams {
  /** Shape of the gamma distribution of one transaction's value. */
  p: number;
  /** Shape of the gamma distribution, across customers, of that value distribution's rate. */
  q: number;
  /** Rate of that distribution: in the money unit of mx, so it scales with the currency. */
  v: number;
}

/** A repeat customer: x repeat transactions with mean value mx (any money unit). */
export interface GammaGammaCustomer {
  x: number;
  mx: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  /** Sum of the fitted customers' log-likelihoods. */
  logLikelihood: number;
  /** How many customers the fit used: those with x > 0 and mx > 0. */
  customers: number;
  iterations: number;
  converged: boolean;
}

export interface GammaGammaFitOptions extends Pick<MinimizeOptions, 'maxIterations' | 'tolerance'> {
  /** Where the search starts. @default p = 1, q = 2, v = mean mx */
  start?: GammaGammaParams;
}

/**
 * Log-density of a customer's mean spend mx given x transactions (x > 0, mx > 0):
 * the mean of x gamma(p, nu) values is gamma(px, nu x), and nu ~ gamma(q, v).
 */
export function gammaGammaCustomerLogLikelihood(
  params: GammaGammaParams,
  customer: GammaGammaCustomer,
): number {
  const { p, q, v } = params;
  const { x, mx } = customer;
  const px = p * x;
  return (
    lnGamma(px + q) -
    lnGamma(px) -
    lnGamma(q) +
    q * Math.log(v) +
    (px - 1) * Math.log(mx) +
    px * Math.log(x) -
    (px + q) * Math.log(x * mx + v)
  );
}

/** The log-likelihood of the customers with x > 0 and mx > 0; the others carry no spend information. */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  customers: readonly GammaGammaCustomer[],
): number {
  let total = 0;
  for (const customer of customers) {
    if (informative(customer)) total += gammaGammaCustomerLogLikelihood(params, customer);
  }
  return total;
}

/**
 * Maximum-likelihood Gamma-Gamma parameters over the customers with x > 0 and
 * mx > 0 (a one-off buyer has no repeat spend; a repeat buyer whose purchases
 * were all refunded has none the model can explain).
 */
export function fitGammaGamma(
  customers: readonly GammaGammaCustomer[],
  options: GammaGammaFitOptions = {},
): GammaGammaFit {
  const used = customers.filter(informative);
  if (used.length === 0) throw new RangeError('fitGammaGamma needs a customer with x > 0 and mx > 0');
  for (const { x, mx } of used) {
    if (!Number.isInteger(x) || !Number.isFinite(mx)) {
      throw new RangeError(`invalid Gamma-Gamma summary x=${x} mx=${mx}: need integer x and finite mx`);
    }
  }
  const meanSpend = used.reduce((sum, c) => sum + c.mx, 0) / used.length;
  const start = options.start ?? { p: 1, q: 2, v: meanSpend };
  const cohorts = groupByTransactions(used);
  const negativeLogLikelihood = ([p, q, v]: readonly number[]) =>
    -groupedLogLikelihood({ p: p as number, q: q as number, v: v as number }, cohorts);
  const result = minimize(negativeLogLikelihood, [start.p, start.q, start.v], {
    lower: [0, 0, 0],
    ...(options.maxIterations !== undefined && { maxIterations: options.maxIterations }),
    ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
  });
  const [p, q, v] = result.params as [number, number, number];
  return {
    p,
    q,
    v,
    logLikelihood: -result.value,
    customers: used.length,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * E[M | x, mx]: a customer's expected spend per transaction, a weighted mean of
 * the population mean v p / (q - 1) and the customer's own mx, with weight
 * p x / (p x + q - 1) on mx:
 * (q - 1) / (p x + q - 1) * v p / (q - 1) + p x / (p x + q - 1) * mx.
 * With x = 0 it is the population mean. Needs q > 1: below it the population
 * mean is infinite and the model has no expected spend.
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, mx: number): number {
  const { p, q, v } = params;
  if (!(q > 1)) throw new RangeError(`Gamma-Gamma expected spend needs q > 1, got q = ${q}`);
  const px = p * x;
  return (v * p + px * mx) / (px + q - 1);
}

function informative(customer: GammaGammaCustomer): boolean {
  return customer.x > 0 && customer.mx > 0;
}

// Customers sharing x share the lnGamma terms, and ln mx does not depend on the
// parameters: computing those once makes each of the fit's evaluations cheap.
interface TransactionCohort {
  x: number;
  spends: { mx: number; logMx: number }[];
}

function groupByTransactions(customers: readonly GammaGammaCustomer[]): TransactionCohort[] {
  const cohorts = new Map<number, { mx: number; logMx: number }[]>();
  for (const { x, mx } of customers) {
    let spends = cohorts.get(x);
    if (!spends) {
      spends = [];
      cohorts.set(x, spends);
    }
    spends.push({ mx, logMx: Math.log(mx) });
  }
  return [...cohorts].map(([x, spends]) => ({ x, spends }));
}

// gammaGammaCustomerLogLikelihood summed over the cohorts, term for term.
function groupedLogLikelihood(params: GammaGammaParams, cohorts: readonly TransactionCohort[]): number {
  const { p, q, v } = params;
  const shared = -lnGamma(q) + q * Math.log(v);
  let total = 0;
  for (const { x, spends } of cohorts) {
    const px = p * x;
    const ofX = shared + lnGamma(px + q) - lnGamma(px) + px * Math.log(x);
    for (const { mx, logMx } of spends) total += ofX + (px - 1) * logMx - (px + q) * Math.log(x * mx + v);
  }
  return total;
}
