// Special functions the BG/NBD and Gamma-Gamma formulas need: log-gamma, log-beta
// and the Gaussian hypergeometric series 2F1.

// Lanczos approximation, g = 7, n = 9 (the coefficient set of Numerical Recipes /
// Godfrey): about 15 significant digits for x >= 0.5, which the likelihoods need
// because they add thousands of lnGamma differences.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln |Γ(x)|; `Infinity` at the poles (0, -1, -2, ...). */
export function lnGamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (x < 0.5) {
    // Reflection Γ(x)Γ(1-x) = π / sin(πx): the series is only accurate right of 0.5.
    if (Number.isInteger(x)) return Number.POSITIVE_INFINITY;
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const y = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    series += (LANCZOS_COEFFICIENTS[i] as number) / (y + i);
  }
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln B(a, b) = lnΓ(a) + lnΓ(b) - lnΓ(a + b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^u + e^v) without overflow; either side may be -Infinity. */
export function logSumExp(u: number, v: number): number {
  const high = Math.max(u, v);
  if (high === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return high + Math.log(Math.exp(u - high) + Math.exp(v - high));
}

const HYP2F1_MAX_TERMS = 1_000_000;

/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) by its power series, for
 * |z| < 1. The BG/NBD formulas only ever need 0 <= z < 1, where the series
 * converges geometrically (like z^n); near z = 1 that takes many terms, hence the
 * generous cap. Throws a RangeError outside the disc, at a pole (c = 0, -1, ...)
 * or when the cap is reached.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1 needs |z| < 1, got z = ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1 is undefined for c = ${c}`);
  // Until n passes the parameters, terms can change sign and the term ratio can
  // exceed 1, so a small term there says nothing about the tail.
  const settled = Math.ceil(Math.max(Math.abs(a), Math.abs(b), Math.abs(c))) + 1;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < HYP2F1_MAX_TERMS; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0) return sum; // a or b is a non-positive integer: a polynomial
    if (n >= settled) {
      // Past `settled` the ratio heads for its limit z, so the geometric bound
      // term * rho / (1 - rho), rho the larger of the two, covers the tail.
      const rho = Math.max(Math.abs(ratio), Math.abs(z));
      if (rho < 1 && (Math.abs(term) * rho) / (1 - rho) <= Number.EPSILON * Math.abs(sum)) return sum;
    }
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${HYP2F1_MAX_TERMS} terms`);
}
