// Special functions against closed forms and high-precision values (mpmath, 30 digits).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hyp2f1, lnBeta, lnGamma, logSumExp } from '../../../src/domain/clv/special.js';

const relativeError = (actual: number, expected: number) =>
  Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

describe('lnGamma', () => {
  it('matches 30-digit values to about 1e-15, near zero, for the CDNOW parameters and far out', () => {
    const known: [number, number][] = [
      [1e-8, 18.42068073818021],
      [0.243, 1.3180435846996699],
      [0.5, 0.5723649429247001],
      [0.793, 0.15887133028636516],
      [2.426, 0.23400811688731624],
      [4.414, 2.3352200522018904],
      [33.3, 82.60372358165495],
      [1234.5, 7550.550901077895],
      [1e6, 12815504.569147611],
      [-0.5, 1.2655121234846454],
      [-2.5, -0.056243716497674054],
    ];
    for (const [x, expected] of known)
      expect(relativeError(lnGamma(x), expected), `x = ${x}`).toBeLessThan(4e-15);
  });

  it('is ln((n - 1)!) at the integers and infinite at the poles', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n++) {
      expect(relativeError(lnGamma(n), logFactorial), `n = ${n}`).toBeLessThan(1e-14);
      logFactorial += Math.log(n);
    }
    expect(lnGamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(lnGamma(-3)).toBe(Number.POSITIVE_INFINITY);
  });

  it('satisfies lnGamma(x + 1) = lnGamma(x) + ln x', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e4, noNaN: true }), (x) => {
        expect(relativeError(lnGamma(x + 1), lnGamma(x) + Math.log(x))).toBeLessThan(1e-13);
      }),
    );
  });
});

describe('lnBeta and logSumExp', () => {
  it('lnBeta(a, b) = ln(Γ(a)Γ(b)/Γ(a+b)): B(1, b) = 1/b, B(1/2, 1/2) = π', () => {
    expect(lnBeta(1, 4)).toBeCloseTo(-Math.log(4), 14);
    expect(lnBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
  });

  it('adds exponentials that would overflow or underflow on their own', () => {
    expect(logSumExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 10);
    expect(logSumExp(-1000, Number.NEGATIVE_INFINITY)).toBe(-1000);
    expect(logSumExp(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(logSumExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
  });
});

describe('hyp2f1', () => {
  it('matches closed forms, also close to z = 1 where the series is slow', () => {
    for (const z of [0, 0.1, 0.5, 0.9, 0.999, 0.9999]) {
      // 2F1(1, 1; 2; z) = -ln(1 - z) / z and 2F1(a, b; b; z) = (1 - z)^-a.
      const log = z === 0 ? 1 : -Math.log1p(-z) / z;
      expect(relativeError(hyp2f1(1, 1, 2, z), log), `z = ${z}`).toBeLessThan(1e-12);
      expect(relativeError(hyp2f1(0.7, 2.3, 2.3, z) / (1 - z) ** -0.7, 1), `z = ${z}`).toBeLessThan(1e-12);
    }
  });

  it('matches 30-digit values for BG/NBD-like arguments', () => {
    // mpmath.hyp2f1 with the CDNOW parameters: (r, b; a+b-1; 78/(alpha+78)) and
    // the transformed series of the conditional expectation.
    expect(relativeError(hyp2f1(0.243, 2.426, 2.219, 78 / 82.414), 2.390005596268861)).toBeLessThan(1e-13);
    expect(relativeError(hyp2f1(1.976, -0.207, 4.219, 39 / 82.274), 0.9479467334171345)).toBeLessThan(1e-13);
  });

  it('is a polynomial when an upper parameter is a non-positive integer', () => {
    const [b, c, z] = [1.5, 2.5, 0.4];
    const expected = 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1));
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(expected, 15);
  });

  it('refuses z outside the unit disc and poles of c', () => {
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, -1.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
  });
});
