// Calibration summaries: the (x, tx, T, mx) conventions on small histories, and the
// published CDNOW summaries reproduced row for row from the raw transactions.
import { describe, expect, it } from 'vitest';
import { bgnbdLogLikelihood, fitBgnbd } from '../../../src/domain/clv/bgnbd.js';
import { type CalibrationSummary, calibrationSummaries } from '../../../src/domain/clv/calibration.js';
import { conditionalExpectedSpend, fitGammaGamma } from '../../../src/domain/clv/gamma-gamma.js';
import type { Order } from '../../../src/domain/order.js';
import { dayOf } from '../../../src/domain/time.js';
import { CDNOW_CALIBRATION, cdnowSampleMasterIds, readCdnowOrders, readPublishedSummary } from './cdnow.js';

const JAN_1 = dayOf(Date.UTC(2024, 0, 1));
let nextEvent = 0;
const order = (
  customerId: string,
  day: number,
  amountMinor: number,
  kind: Order['kind'] = 'PURCHASE',
): Order => {
  nextEvent++;
  return {
    eventId: `e${nextEvent}`,
    orderId: `o${nextEvent}`,
    customerId,
    kind,
    amountMinor,
    eventTime: Date.UTC(2024, 0, 1) + (day - JAN_1) * 86_400_000 + 3_600_000,
  };
};
const summarize = (orders: Order[], daysPerUnit = 1) =>
  calibrationSummaries(orders, { calibrationEndDay: JAN_1 + 27, daysPerUnit });

describe('calibrationSummaries', () => {
  it('counts purchase days, not purchases, and measures tx and T from the first purchase day', () => {
    const orders = [
      order('c', JAN_1, 1000),
      order('c', JAN_1, 500),
      order('c', JAN_1 + 7, 2000),
      order('c', JAN_1 + 14, 300),
      order('c', JAN_1 + 14, 700),
    ];
    expect(summarize(orders)).toEqual([{ customerId: 'c', x: 2, tx: 14, T: 27, mx: (2000 + 300 + 700) / 2 }]);
    expect(summarize(orders, 7)).toEqual([{ customerId: 'c', x: 2, tx: 2, T: 27 / 7, mx: 1500 }]);
  });

  it('includes the calibration end day and leaves out everything after it', () => {
    const orders = [order('c', JAN_1 + 20, 100), order('c', JAN_1 + 27, 400), order('c', JAN_1 + 28, 9999)];
    expect(summarize(orders)).toEqual([{ customerId: 'c', x: 1, tx: 7, T: 7, mx: 400 }]);
    expect(summarize([order('late', JAN_1 + 28, 100)])).toEqual([]);
    expect(summarize([order('today', JAN_1 + 27, 100)])).toEqual([
      { customerId: 'today', x: 0, tx: 0, T: 0, mx: 0 },
    ]);
  });

  it('nets refunds against the purchases of their day, floored at zero, and ignores other refunds', () => {
    const orders = [
      order('c', JAN_1, 1000),
      order('c', JAN_1 + 1, 1000),
      order('c', JAN_1 + 1, 300, 'REFUND'),
      order('c', JAN_1 + 2, 500),
      order('c', JAN_1 + 2, 800, 'REFUND'),
      order('c', JAN_1 + 3, 900, 'REFUND'),
    ];
    expect(summarize(orders)).toEqual([{ customerId: 'c', x: 2, tx: 2, T: 27, mx: (700 + 0) / 2 }]);
  });

  it('ignores signups, refund-only customers and duplicate event ids', () => {
    const purchase = order('c', JAN_1, 1000);
    const repeat = order('c', JAN_1 + 3, 600);
    const orders = [
      order('s', JAN_1, 0, 'SIGNUP'),
      order('r', JAN_1, 100, 'REFUND'),
      purchase,
      repeat,
      { ...repeat },
      { ...purchase },
    ];
    expect(summarize(orders)).toEqual([{ customerId: 'c', x: 1, tx: 3, T: 27, mx: 600 }]);
  });

  it('sorts by customer id and refuses a fractional end day or a non-positive unit', () => {
    const orders = [order('b', JAN_1, 1), order('a', JAN_1, 1), order('c', JAN_1, 1)];
    expect(summarize(orders).map((s) => s.customerId)).toEqual(['a', 'b', 'c']);
    expect(() => calibrationSummaries(orders, { calibrationEndDay: 1.5, daysPerUnit: 1 })).toThrow(
      RangeError,
    );
    expect(() => calibrationSummaries(orders, { calibrationEndDay: JAN_1, daysPerUnit: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('CDNOW calibration summaries (1997-01-01 .. 1997-09-30, weeks)', () => {
  const ours = new Map<string, CalibrationSummary>(
    calibrationSummaries(readCdnowOrders('CDNOW_sample.txt'), CDNOW_CALIBRATION).map((s) => [
      s.customerId,
      s,
    ]),
  );
  // The published files are rounded to 2 decimals; a value exactly on a half cent
  // may have gone either way in binary, hence the extra 1e-9.
  const HALF_CENT = 0.005 + 1e-9;

  it('reproduces cdnow_customers_summary.csv row for row', () => {
    const published = readPublishedSummary('cdnow_customers_summary.csv');
    expect(published).toHaveLength(2357);
    expect(ours.size).toBe(2357);
    const mismatches = published.filter((row) => {
      const mine = ours.get(row.id);
      return (
        mine === undefined ||
        mine.x !== row.x ||
        Math.abs(mine.tx - row.tx) > HALF_CENT ||
        Math.abs(mine.T - row.T) > HALF_CENT
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('reproduces cdnow_customers_summary_with_transactions.csv, zbar being mx in dollars', () => {
    const published = readPublishedSummary('cdnow_customers_summary_with_transactions.csv');
    expect(published).toHaveLength(2357);
    const mismatches = published.filter((row) => {
      const mine = ours.get(row.id);
      return (
        mine === undefined ||
        mine.x !== row.x ||
        Math.abs(mine.tx - row.tx) > HALF_CENT ||
        Math.abs(mine.T - row.T) > HALF_CENT ||
        Math.abs(mine.mx / 100 - row.zbar) > HALF_CENT
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('gives the published BG/NBD and Gamma-Gamma parameters when fitted', () => {
    const summaries = [...ours.values()];
    const bgnbd = fitBgnbd(summaries);
    expect(bgnbd.converged).toBe(true);
    expect(Math.abs(bgnbd.r - 0.243)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.alpha - 4.414)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.a - 0.793)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.b - 2.426)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.logLikelihood - -9582.4)).toBeLessThan(0.5);

    // Cents, not dollars: p and q do not depend on the money unit, v scales with it.
    const gammaGamma = fitGammaGamma(summaries);
    expect(gammaGamma.converged).toBe(true);
    expect(gammaGamma.customers).toBe(946);
    expect(Math.abs(gammaGamma.p - 6.25)).toBeLessThan(0.05);
    expect(Math.abs(gammaGamma.q - 3.74)).toBeLessThan(0.05);
    expect(Math.abs(gammaGamma.v / 100 - 15.44)).toBeLessThan(0.05);
  });

  it("gives Hardie's expected average spend of the first ten customers from the unrounded mx", () => {
    // The published 24.65 for customer 1 needs mx = 22.345 as it is, not the
    // summary file's rounded 22.35 (which gives 24.66).
    const gammaGamma = fitGammaGamma([...ours.values()].map((s) => ({ x: s.x, mx: s.mx / 100 })));
    const spends = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].map((id) => {
      const { x, mx } = ours.get(id) as CalibrationSummary;
      return Number(conditionalExpectedSpend(gammaGamma, x, mx / 100).toFixed(2));
    });
    expect(spends).toEqual([24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]);
  });
});

describe('CDNOW_master calibration summary (23,570 customers)', () => {
  const master = calibrationSummaries(readCdnowOrders('CDNOW_master.txt'), CDNOW_CALIBRATION);

  it('summarizes every customer, the sample ones exactly as the sample file does', () => {
    expect(master).toHaveLength(23_570);
    const byId = new Map(master.map((s) => [s.customerId, s]));
    const sample = calibrationSummaries(readCdnowOrders('CDNOW_sample.txt'), CDNOW_CALIBRATION);
    const masterIds = cdnowSampleMasterIds();
    expect(sample).toHaveLength(2357);
    for (const summary of sample) {
      const masterId = masterIds.get(summary.customerId) as string;
      expect(byId.get(masterId)).toEqual({ ...summary, customerId: masterId });
    }
  });

  it('fits BG/NBD to a maximum of the likelihood', () => {
    const fit = fitBgnbd(master);
    expect(fit.converged).toBe(true);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      for (const factor of [0.999, 1.001]) {
        expect(bgnbdLogLikelihood({ ...fit, [key]: fit[key] * factor }, master)).toBeLessThan(
          fit.logLikelihood,
        );
      }
    }
  });
});
