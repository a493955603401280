// Predicted CLV: expected transactions times expected spend, and the discounting
// of each period's share of the transactions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionalExpectedTransactions } from '../../../src/domain/clv/bgnbd.js';
import { type ClvModels, predictedClv } from '../../../src/domain/clv/clv.js';
import { conditionalExpectedSpend } from '../../../src/domain/clv/gamma-gamma.js';

const models: ClvModels = {
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, v: 15.44 },
};
const regular = { x: 2, tx: 30.43, T: 38.86, mx: 22.35 };
const newcomer = { x: 0, tx: 0, T: 10, mx: 0 };

describe('predictedClv', () => {
  it('is expected transactions over the horizon times expected spend', () => {
    const transactions = conditionalExpectedTransactions(models.bgnbd, 39, 2, 30.43, 38.86);
    const spend = conditionalExpectedSpend(models.gammaGamma, 2, 22.35);
    expect(predictedClv(models, regular, 39)).toBeCloseTo(transactions * spend, 12);
    expect(predictedClv(models, regular, 39)).toBeCloseTo(1.226 * 24.66, 1);
  });

  it('values a customer without repeat purchases at the population mean spend', () => {
    const transactions = conditionalExpectedTransactions(models.bgnbd, 52, 0, 0, 10);
    expect(predictedClv(models, newcomer, 52)).toBeCloseTo((transactions * 15.44 * 6.25) / 2.74, 10);
  });

  it('splits the horizon into periods only to discount them: undiscounted, the periods add up', () => {
    expect(predictedClv(models, regular, 52, { periods: 12 })).toBeCloseTo(
      predictedClv(models, regular, 52),
      12,
    );
    expect(predictedClv(models, regular, 52, { periods: 12, discountRatePerPeriod: 0 })).toBe(
      predictedClv(models, regular, 52),
    );
  });

  it("discounts each period's expected transactions from the period's end", () => {
    const rate = 0.01;
    const byWeek = (week: number) => conditionalExpectedTransactions(models.bgnbd, week, 2, 30.43, 38.86);
    let expected = 0;
    for (let quarter = 1; quarter <= 4; quarter++) {
      expected += (byWeek(13 * quarter) - byWeek(13 * (quarter - 1))) / (1 + rate) ** quarter;
    }
    expected *= conditionalExpectedSpend(models.gammaGamma, 2, 22.35);
    expect(predictedClv(models, regular, 52, { periods: 4, discountRatePerPeriod: rate })).toBeCloseTo(
      expected,
      12,
    );
  });

  it('is worth less the higher the discount rate, and nothing over no time', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 24 }),
        fc.double({ min: 1, max: 104, noNaN: true }),
        (rate, periods, horizon) => {
          const lower = predictedClv(models, regular, horizon, { periods, discountRatePerPeriod: rate * 2 });
          const higher = predictedClv(models, regular, horizon, { periods, discountRatePerPeriod: rate });
          expect(lower).toBeGreaterThan(0);
          expect(lower).toBeLessThan(higher);
          expect(higher).toBeLessThan(predictedClv(models, regular, horizon));
        },
      ),
    );
    expect(predictedClv(models, regular, 0)).toBe(0);
  });

  it('refuses a negative horizon, fractional periods and a rate of -100 % or less', () => {
    expect(() => predictedClv(models, regular, -1)).toThrow(/horizon/);
    expect(() => predictedClv(models, regular, 52, { periods: 1.5 })).toThrow(/periods/);
    expect(() => predictedClv(models, regular, 52, { periods: 0 })).toThrow(/periods/);
    expect(() => predictedClv(models, regular, 52, { discountRatePerPeriod: -1 })).toThrow(
      /discountRatePerPeriod/,
    );
  });
});
