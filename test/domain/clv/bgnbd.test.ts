// BG/NBD: the published CDNOW fit and known answers, the formulas against an
// independent evaluation, and the sanity properties the churn rules rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BgnbdParams,
  bgnbdCustomerLogLikelihood,
  bgnbdLogLikelihood,
  conditionalExpectedTransactions,
  expectedTransactions,
  fitBgnbd,
  probabilityAlive,
} from '../../../src/domain/clv/bgnbd.js';
import { hyp2f1, lnBeta, lnGamma } from '../../../src/domain/clv/special.js';
import { readPublishedSummary } from './cdnow.js';

const PUBLISHED: BgnbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const cdnow = readPublishedSummary('cdnow_customers_summary.csv');
const fit = fitBgnbd(cdnow);

const positive = (max: number) => fc.double({ min: 1e-3, max, noNaN: true });
const params = fc.record({ r: positive(10), alpha: positive(100), a: positive(10), b: positive(10) });
// A summary with 0 <= tx <= T, tx = 0 without repeats.
const summary = fc
  .record({
    x: fc.integer({ min: 0, max: 200 }),
    T: fc.double({ min: 0, max: 1000, noNaN: true }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ x, T, share }) => ({ x, T, tx: x === 0 ? 0 : share * T }));

describe('fitBgnbd on the CDNOW summary (2,357 customers, weeks)', () => {
  it('finds the published parameters and log-likelihood', () => {
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.r - 0.243)).toBeLessThan(0.005);
    expect(Math.abs(fit.alpha - 4.414)).toBeLessThan(0.005);
    expect(Math.abs(fit.a - 0.793)).toBeLessThan(0.005);
    expect(Math.abs(fit.b - 2.426)).toBeLessThan(0.005);
    expect(Math.abs(fit.logLikelihood - -9582.4)).toBeLessThan(0.5);
  });

  it('reports the log-likelihood of its parameters, and no nearby parameters do better', () => {
    expect(bgnbdLogLikelihood(fit, cdnow)).toBeCloseTo(fit.logLikelihood, 8);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      for (const factor of [0.999, 1.001]) {
        const nearby = { ...fit, [key]: fit[key] * factor };
        expect(bgnbdLogLikelihood(nearby, cdnow), `${key} x ${factor}`).toBeLessThan(fit.logLikelihood);
      }
    }
  });

  it('starts wherever it is told and lands on the same maximum', () => {
    const other = fitBgnbd(cdnow, { start: { r: 5, alpha: 0.5, a: 3, b: 0.2 } });
    expect(other.converged).toBe(true);
    expect(other.logLikelihood).toBeCloseTo(fit.logLikelihood, 5);
    expect(other.r).toBeCloseTo(fit.r, 3);
    expect(other.b).toBeCloseTo(fit.b, 2);
  });

  it('refuses summaries that cannot happen', () => {
    expect(() => fitBgnbd([])).toThrow(RangeError);
    expect(() => fitBgnbd([{ x: 1, tx: 5, T: 4 }])).toThrow(/tx <= T/);
    expect(() => fitBgnbd([{ x: 1.5, tx: 1, T: 4 }])).toThrow(RangeError);
    expect(() => fitBgnbd([{ x: 0, tx: 1, T: 4 }])).toThrow(RangeError);
  });
});

describe('BG/NBD known answers (deploy/data/cdnow/README.md)', () => {
  it('expects 1.226 purchases in 39 weeks from a customer with x = 2, tx = 30.43, T = 38.86', () => {
    expect(conditionalExpectedTransactions(fit, 39, 2, 30.43, 38.86).toFixed(3)).toBe('1.226');
    // 1.2260281747671444 with the published (rounded) parameters, by mpmath at 30 digits.
    expect(conditionalExpectedTransactions(PUBLISHED, 39, 2, 30.43, 38.86)).toBeCloseTo(
      1.2260281747671444,
      13,
    );
  });

  it('gives E[X(t)] of a new customer to 4 decimals', () => {
    const times = [0.1429, 1, 3, 31.8571, 32];
    expect(times.map((t) => expectedTransactions(fit, t).toFixed(4))).toEqual([
      '0.0078',
      '0.0532',
      '0.1506',
      '1.0405',
      '1.0437',
    ]);
  });

  it('gives E[X(78)] = 1.8580, where the published 1.8576 is a truncated series', () => {
    // The converged series (mpmath agrees: 1.85797192277066 at the fitted
    // parameters). Summing only the first ~150 terms of 2F1, as a spreadsheet
    // would, gives 1.85765; lifetimes checks this value to 3 decimals only.
    expect(expectedTransactions(fit, 78).toFixed(4)).toBe('1.8580');
    expect(Math.abs(expectedTransactions(fit, 78) - 1.8576)).toBeLessThan(5e-4);
  });
});

describe('BG/NBD formulas', () => {
  it('computes the same log-likelihood as the paper, outside log space, where that does not overflow', () => {
    fc.assert(
      fc.property(params, summary, (p, c) => {
        const { r, alpha, a, b } = p;
        const { x, tx, T } = c;
        const gammaPart = Math.exp(lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha));
        const alive = Math.exp(lnBeta(a, b + x) - lnBeta(a, b)) / (alpha + T) ** (r + x);
        const dropped =
          x > 0 ? Math.exp(lnBeta(a + 1, b + x - 1) - lnBeta(a, b)) / (alpha + tx) ** (r + x) : 0;
        const direct = Math.log(gammaPart * (alive + dropped));
        // Only where no factor overflows or goes subnormal, which costs the direct form its digits.
        fc.pre(
          gammaPart < 1e300 && alive > 1e-300 && (x === 0 || dropped > 1e-300) && Math.abs(direct) < 500,
        );
        // Relative: the direct form itself loses digits to its large powers.
        expect(Math.abs(bgnbdCustomerLogLikelihood(p, c) - direct)).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(direct)),
        );
      }),
    );
  });

  it('stays finite for extreme summaries and parameters', () => {
    const extremes: [BgnbdParams, { x: number; tx: number; T: number }][] = [
      [PUBLISHED, { x: 0, tx: 0, T: 1e12 }],
      [PUBLISHED, { x: 0, tx: 0, T: 0 }],
      [PUBLISHED, { x: 100_000, tx: 1, T: 1e9 }],
      [
        { r: 1e-10, alpha: 1e-10, a: 1e-10, b: 1e-10 },
        { x: 3, tx: 2, T: 1e6 },
      ],
      [
        { r: 1e-10, alpha: 1e-10, a: 1e-10, b: 1e-10 },
        { x: 0, tx: 0, T: 1e6 },
      ],
      [
        { r: 1e6, alpha: 1e6, a: 1e6, b: 1e6 },
        { x: 50, tx: 0.001, T: 1e4 },
      ],
    ];
    for (const [p, c] of extremes) {
      expect(Number.isFinite(bgnbdCustomerLogLikelihood(p, c)), JSON.stringify([p, c])).toBe(true);
    }
    // Nobody can fail to buy again in no time at all.
    expect(bgnbdCustomerLogLikelihood(PUBLISHED, { x: 0, tx: 0, T: 0 })).toBe(0);
  });

  it('computes E[Y(t) | x, tx, T] as the paper writes it, where that form does not overflow', () => {
    // 30-digit mpmath values of the paper's equation 10 with the published parameters.
    expect(conditionalExpectedTransactions(PUBLISHED, 52, 0, 0, 20)).toBeCloseTo(0.4109738194269831, 13);
    expect(conditionalExpectedTransactions(PUBLISHED, 10, 50, 35, 38)).toBeCloseTo(6.752790461911263, 12);
    expect(conditionalExpectedTransactions(PUBLISHED, 200, 5, 10, 30)).toBeCloseTo(1.0983773030696613, 12);
    fc.assert(
      fc.property(params, summary, fc.double({ min: 0.01, max: 100, noNaN: true }), (p, c, t) => {
        const { r, alpha, a, b } = p;
        const { x, tx, T } = c;
        fc.pre(Math.abs(a - 1) > 0.01 && x <= 20 && t / (alpha + T + t) < 0.99);
        const z = t / (alpha + T + t);
        const paper =
          (((a + b + x - 1) / (a - 1)) *
            (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))) /
          (1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0));
        fc.pre(Number.isFinite(paper) && paper < 1e6);
        const ours = conditionalExpectedTransactions(p, t, x, tx, T);
        expect(Math.abs(ours - paper)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(paper)));
      }),
    );
  });

  it('expects nothing in no time, more in more time, and a new customer as E[X(t)]', () => {
    expect(conditionalExpectedTransactions(fit, 0, 3, 20, 30)).toBe(0);
    fc.assert(
      fc.property(summary, fc.double({ min: 0.01, max: 200, noNaN: true }), (c, t) => {
        const sooner = conditionalExpectedTransactions(fit, t, c.x, c.tx, c.T);
        const later = conditionalExpectedTransactions(fit, t * 1.5, c.x, c.tx, c.T);
        // Not strictly: P(alive) underflows to 0 for a long-silent heavy buyer.
        expect(sooner).toBeGreaterThanOrEqual(0);
        expect(later).toBeGreaterThanOrEqual(sooner);
      }),
    );
    expect(conditionalExpectedTransactions(fit, 52, 2, 30.43, 38.86)).toBeGreaterThan(
      conditionalExpectedTransactions(fit, 39, 2, 30.43, 38.86),
    );
    expect(conditionalExpectedTransactions(fit, 26, 0, 0, 0)).toBe(expectedTransactions(fit, 26));
  });

  it('is finite for heavy buyers and continuous through a = 1', () => {
    // 5,000 purchases in 39 weeks, the last one today: in doubles the paper's form
    // is 0 * Infinity; mpmath at 50 digits gives 4276.22259446594877.
    expect(conditionalExpectedTransactions(PUBLISHED, 52, 5000, 39, 39)).toBeCloseTo(4276.2225944659485, 7);
    const at = (a: number) => conditionalExpectedTransactions({ ...PUBLISHED, a }, 39, 2, 30.43, 38.86);
    expect(Number.isFinite(at(1))).toBe(true);
    expect(at(1)).toBeCloseTo((at(1 - 1e-5) + at(1 + 1e-5)) / 2, 6);
  });
});

describe('probabilityAlive', () => {
  it('is 1 without a repeat purchase and within [0, 1] otherwise', () => {
    fc.assert(
      fc.property(params, summary, (p, c) => {
        const alive = probabilityAlive(p, c.x, c.tx, c.T);
        if (c.x === 0) expect(alive).toBe(1);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('falls as the customer stays silent for longer, and rises with a later last purchase', () => {
    fc.assert(
      fc.property(params, summary, fc.double({ min: 0.1, max: 100, noNaN: true }), (p, c, more) => {
        fc.pre(c.x > 0);
        const now = probabilityAlive(p, c.x, c.tx, c.T);
        expect(probabilityAlive(p, c.x, c.tx, c.T + more)).toBeLessThanOrEqual(now);
        expect(probabilityAlive(p, c.x, Math.min(c.T, c.tx + more), c.T)).toBeGreaterThanOrEqual(now);
      }),
    );
    // Strictly, where the numbers are not saturated.
    expect(probabilityAlive(fit, 2, 30.43, 38.86)).toBeGreaterThan(probabilityAlive(fit, 2, 30.43, 50));
  });

  it('matches the closed form for the README customer', () => {
    const { r, alpha, a, b } = PUBLISHED;
    const expected = 1 / (1 + (a / (b + 1)) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2));
    expect(probabilityAlive(PUBLISHED, 2, 30.43, 38.86)).toBeCloseTo(expected, 14);
  });
});
