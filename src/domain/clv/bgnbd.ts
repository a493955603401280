// The BG/NBD model of repeat buying (Fader, Hardie and Lee, "Counting Your
// Customers the Easy Way", 2005): likelihood, maximum-likelihood fit and predictions.

import { type MinimizeOptions, minimize } from './optimize.js';
import { hyp2f1, lnGamma, logSumExp } from './special.js';

export interface BgnbdParams {
  /** Shape of the gamma distribution of purchase rates. */
  r: number;
  /** Rate parameter of that gamma distribution: a time, in the unit of the data (weeks for CDNOW). */
  alpha: number;
  /** Beta distribution of the drop-out probability after each purchase. */
  a: number;
  b: number;
}

/** One customer's calibration summary, in one time unit (weeks for CDNOW). */
export interface BgnbdCustomer {
  /** Repeat transactions: all but the first. */
  x: number;
  /** Time of the last transaction, counted from the first. */
  tx: number;
  /** Age: time from the first transaction to the end of calibration. */
  T: number;
}

export interface BgnbdFit extends BgnbdParams {
  /** Sum of the customers' log-likelihoods at the fitted parameters. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

export interface BgnbdFitOptions extends Pick<MinimizeOptions, 'maxIterations' | 'tolerance'> {
  /** Where the search starts. @default r = 1, alpha = mean T, a = 1, b = 1 */
  start?: BgnbdParams;
}

/** One customer's log-likelihood (equation 6 of the paper, in log space). */
export function bgnbdCustomerLogLikelihood(params: BgnbdParams, customer: BgnbdCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = customer;
  const rate = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const survival = lnGamma(a + b) + lnGamma(b + x) - lnGamma(b) - lnGamma(a + b + x);
  // Still alive at T, or dropped out right after the last purchase (only possible
  // after a repeat purchase); either term alone can underflow, their sum must not.
  const aliveAtT = -(r + x) * Math.log(alpha + T);
  const droppedAfterTx =
    x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : Number.NEGATIVE_INFINITY;
  return rate + survival + logSumExp(aliveAtT, droppedAfterTx);
}

/** The log-likelihood of a set of customers: the sum of theirs. */
export function bgnbdLogLikelihood(params: BgnbdParams, customers: readonly BgnbdCustomer[]): number {
  let total = 0;
  for (const customer of customers) total += bgnbdCustomerLogLikelihood(params, customer);
  return total;
}

/**
 * Maximum-likelihood BG/NBD parameters for the customers. Every parameter is kept
 * positive; `converged` is false when the optimizer hit its iteration cap.
 */
export function fitBgnbd(customers: readonly BgnbdCustomer[], options: BgnbdFitOptions = {}): BgnbdFit {
  if (customers.length === 0) throw new RangeError('fitBgnbd needs at least one customer');
  for (const customer of customers) assertCustomer(customer);
  const cohorts = groupByRepeats(customers);
  const meanT = customers.reduce((sum, c) => sum + c.T, 0) / customers.length;
  const start = options.start ?? { r: 1, alpha: meanT > 0 ? meanT : 1, a: 1, b: 1 };
  const negativeLogLikelihood = ([r, alpha, a, b]: readonly number[]) =>
    -groupedLogLikelihood(
      { r: r as number, alpha: alpha as number, a: a as number, b: b as number },
      cohorts,
    );
  const result = minimize(negativeLogLikelihood, [start.r, start.alpha, start.a, start.b], {
    lower: [0, 0, 0, 0],
    ...(options.maxIterations !== undefined && { maxIterations: options.maxIterations }),
    ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
  });
  const [r, alpha, a, b] = result.params as [number, number, number, number];
  return {
    r,
    alpha,
    a,
    b,
    logLikelihood: -result.value,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * P(alive at T | x, tx, T): 1 without a repeat purchase (the model lets customers
 * drop out only right after a purchase), otherwise
 * 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx))^(r + x)).
 */
export function probabilityAlive(params: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  // The odds of having dropped out, in logs: the power overflows for large x.
  const logOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/** E[X(t)]: expected transactions of a customer in the first t time units after the first purchase. */
export function expectedTransactions(params: BgnbdParams, t: number): number {
  return conditionalExpectedTransactions(params, t, 0, 0, 0);
}

/**
 * E[Y(t) | x, tx, T]: expected transactions in the t time units after T of a
 * customer with calibration summary (x, tx, T) (equation 10 of the paper).
 */
export function conditionalExpectedTransactions(
  params: BgnbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  if (t === 0) return 0;
  const { r, alpha, b } = params;
  // The formula has a removable singularity at a = 1 (0 / 0); just off it the
  // cancellation costs about 1e-8 relative.
  const a = Math.abs(params.a - 1) < 1e-8 ? 1 + 1e-8 : params.a;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  const oneMinusZ = (alpha + T) / (alpha + T + t);
  // Paper: 1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; c; z). Euler's
  // transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) cancels the
  // power and leaves a series whose upper parameters do not grow with x, so it
  // neither overflows nor slows down for heavy buyers.
  const notYet = 1 - oneMinusZ ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z);
  const ifAlive = (c / (a - 1)) * notYet;
  return ifAlive * probabilityAlive(params, x, tx, T);
}

function assertCustomer(customer: BgnbdCustomer): void {
  const { x, tx, T } = customer;
  if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && (x > 0 || tx === 0))) {
    throw new RangeError(
      `invalid BG/NBD summary x=${x} tx=${tx} T=${T}: need integer x >= 0, 0 <= tx <= T, tx = 0 when x = 0`,
    );
  }
}

// Customers sharing x share every lnGamma term, and customers sharing (x, tx, T)
// share the whole term: the fit evaluates the likelihood hundreds of times, so
// it is worth paying the lnGamma calls once per x and the rest once per summary.
interface RepeatCohort {
  x: number;
  summaries: { tx: number; T: number; count: number }[];
}

function groupByRepeats(customers: readonly BgnbdCustomer[]): RepeatCohort[] {
  const cohorts = new Map<number, Map<string, { tx: number; T: number; count: number }>>();
  for (const { x, tx, T } of customers) {
    let summaries = cohorts.get(x);
    if (!summaries) {
      summaries = new Map();
      cohorts.set(x, summaries);
    }
    const key = `${tx}:${T}`;
    const summary = summaries.get(key);
    if (summary) summary.count++;
    else summaries.set(key, { tx, T, count: 1 });
  }
  return [...cohorts].map(([x, summaries]) => ({ x, summaries: [...summaries.values()] }));
}

// bgnbdCustomerLogLikelihood summed over the cohorts, term for term.
function groupedLogLikelihood(params: BgnbdParams, cohorts: readonly RepeatCohort[]): number {
  const { r, alpha, a, b } = params;
  const shared = -lnGamma(r) + r * Math.log(alpha) + lnGamma(a + b) - lnGamma(b);
  let total = 0;
  for (const { x, summaries } of cohorts) {
    const ofX = shared + lnGamma(r + x) + lnGamma(b + x) - lnGamma(a + b + x);
    const dropOdds = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    for (const { tx, T, count } of summaries) {
      const aliveAtT = -(r + x) * Math.log(alpha + T);
      const droppedAfterTx = dropOdds - (r + x) * Math.log(alpha + tx);
      total += count * (ofX + logSumExp(aliveAtT, droppedAfterTx));
    }
  }
  return total;
}
