// The CDNOW loader, and the reference on the real data: counts and sums checked
// against the raw rows, every customer in exactly one segment of every model.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dayOf } from '../../src/domain/time.js';
import {
  cdnowLineToOrder,
  compareTierRank,
  factsOfHistory,
  orderHistory,
  readCdnowMaster,
  referenceSnapshot,
  thresholdsOfFacts,
  thresholdsOfHistory,
  tierSegment,
} from '../../src/reference/index.js';

const MASTER = new URL('../../deploy/data/cdnow/CDNOW_master.txt', import.meta.url);
const WINDOW = 365;
const FIRST_DAY = dayOf(Date.UTC(1997, 0, 1));
const LAST_DAY = dayOf(Date.UTC(1998, 5, 30));

describe('cdnowLineToOrder', () => {
  it('makes one purchase at noon UTC with the id of the customer as written and of the line', () => {
    expect(cdnowLineToOrder(' 00001 19970101  1   11.77', 2)).toEqual({
      eventId: 'cdnow-00001-2',
      orderId: 'cdnow-00001-2',
      customerId: '00001',
      kind: 'PURCHASE',
      amountMinor: 1177,
      eventTime: Date.UTC(1997, 0, 1, 12),
    });
    expect(cdnowLineToOrder(' 00455 19970102  1    0.00\r', 7)).toMatchObject({
      amountMinor: 0,
      kind: 'PURCHASE',
    });
  });

  it('refuses a malformed row, naming its line', () => {
    expect(() => cdnowLineToOrder(' 00001 19970230  1   11.77', 9)).toThrow(/line 9: no such date/);
    expect(() => cdnowLineToOrder(' 00001 1997-01-01  1   11.77', 9)).toThrow(/YYYYMMDD/);
    expect(() => cdnowLineToOrder(' 00001 19970101  11.77', 9)).toThrow(/4 fields/);
    expect(() => cdnowLineToOrder(' 00001 19970101  1   -1.00', 9)).toThrow(/dollar_value/);
  });
});

describe('the reference on CDNOW_master', () => {
  const orders = readCdnowMaster(MASTER);
  // The rows again, read here independently of the loader: [customer, day, cents].
  const rows = readFileSync(MASTER, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [customerId = '', date = '', , dollars = ''] = line.trim().split(/\s+/);
      const [whole = '', cents = ''] = dollars.split('.');
      const day = dayOf(
        Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6))),
      );
      return { customerId, day, cents: Number(whole) * 100 + Number(cents.padEnd(2, '0')) };
    });

  it('loads 69,659 purchases of 23,570 customers, from 1997-01-01 to 1998-06-30', () => {
    expect(orders).toHaveLength(69_659);
    expect(new Set(orders.map((o) => o.customerId)).size).toBe(23_570);
    expect(new Set(orders.map((o) => o.eventId)).size).toBe(69_659);
    expect(orders[0]?.eventId).toBe('cdnow-00001-2');
    expect(orders.at(-1)?.eventId).toBe('cdnow-23570-69660');
    const days = orders.map((o) => dayOf(o.eventTime));
    expect([Math.min(...days), Math.max(...days)]).toEqual([FIRST_DAY, LAST_DAY]);
    expect(orders.filter((o) => o.amountMinor === 0).length).toBeGreaterThan(0);
    expect(orders.map((o) => [o.customerId, dayOf(o.eventTime), o.amountMinor])).toEqual(
      rows.map((row) => [row.customerId, row.day, row.cents]),
    );
  });

  it('puts every customer in one segment of every model on 1998-06-30, P as the rows say', () => {
    const { thresholds, customers } = referenceSnapshot(orders, {
      today: LAST_DAY,
      windowDays: WINDOW,
      thresholdsDay: LAST_DAY,
    });

    // P of the version: customers with a row in [T - 364, T - 1].
    const before = rows.filter((row) => LAST_DAY - row.day < WINDOW && row.day < LAST_DAY);
    const lastDayOf = new Map<string, number>();
    for (const row of before)
      lastDayOf.set(row.customerId, Math.max(row.day, lastDayOf.get(row.customerId) ?? 0));
    expect(thresholds.size).toBe(lastDayOf.size);
    expect(thresholds.sumF).toBe(new Set(before.map((row) => `${row.customerId}/${row.day}`)).size);
    expect(thresholds.sumM).toBe(before.reduce((sum, row) => sum + row.cents, 0));
    expect(thresholds.sumR).toBe([...lastDayOf.values()].reduce((sum, day) => sum + (LAST_DAY - day), 0));

    expect(customers.size).toBe(23_570);
    const inWindowToday = new Set(
      rows.filter((row) => LAST_DAY - row.day < WINDOW).map((row) => row.customerId),
    );
    const counts = new Map<string, Map<string | null, number>>();
    for (const customer of customers.values()) {
      for (const [model, segment] of Object.entries(customer.segments)) {
        const ofModel = counts.get(model) ?? new Map<string | null, number>();
        ofModel.set(segment, (ofModel.get(segment) ?? 0) + 1);
        counts.set(model, ofModel);
      }
    }
    for (const [model, ofModel] of counts) {
      expect(ofModel.has(null), `${model} has no null`).toBe(false);
      expect(
        [...ofModel.values()].reduce((a, b) => a + b, 0),
        model,
      ).toBe(23_570);
    }
    const inactive = 23_570 - inWindowToday.size;
    for (const model of ['rfm8', 'rfm-scores', 'tier'])
      expect(counts.get(model)?.get('INACTIVE'), model).toBe(inactive);
    expect(counts.get('lifecycle')?.get('LAPSED')).toBe(inactive);
    expect(counts.get('rfm8')?.size).toBe(9);
    expect(counts.get('rfm-scores')?.size).toBe(12);

    // Activity straight from the rows: days since each customer's last row.
    const lastRow = new Map<string, number>();
    for (const row of rows) lastRow.set(row.customerId, Math.max(row.day, lastRow.get(row.customerId) ?? 0));
    const grade = (r: number) =>
      r < 30 ? 'ACTIVE' : r < 90 ? 'DOZING' : r < 180 ? 'HALF_ASLEEP' : 'DEEP_SLEEP';
    const activity = new Map<string, number>();
    for (const day of lastRow.values())
      activity.set(grade(LAST_DAY - day), (activity.get(grade(LAST_DAY - day)) ?? 0) + 1);
    expect(counts.get('activity')).toEqual(activity);
  });

  it('gives tier A the customers up to the one crossing 80% of the revenue of P, B those up to 95%', () => {
    const history = orderHistory(orders);
    const population = [...factsOfHistory(history, LAST_DAY, WINDOW, LAST_DAY - 1).values()].filter(
      (c) => c.f >= 1,
    );
    const thresholds = thresholdsOfFacts(population, LAST_DAY);
    const byTier = (tier: string) =>
      population.filter((c) => tierSegment(c, thresholds) === tier).sort(compareTierRank);
    const revenue = (customers: { m: number }[]) => customers.reduce((sum, c) => sum + c.m, 0);
    const [a, b, c] = [byTier('A'), byTier('B'), byTier('C')];
    expect(a.length + b.length + c.length).toBe(thresholds.size);
    // The last A is the one whose own spend takes the revenue ranked before the next one to 80%.
    const total = thresholds.sumM;
    expect(5 * revenue(a)).toBeGreaterThanOrEqual(4 * total);
    expect(5 * (revenue(a) - (a.at(-1)?.m ?? 0))).toBeLessThan(4 * total);
    expect(20 * (revenue(a) + revenue(b))).toBeGreaterThanOrEqual(19 * total);
    expect(20 * (revenue(a) + revenue(b) - (b.at(-1)?.m ?? 0))).toBeLessThan(19 * total);
    // Tiers are contiguous in rank order.
    const lastA = a.at(-1);
    const firstB = b[0];
    const lastB = b.at(-1);
    const firstC = c[0];
    if (!lastA || !firstB || !lastB || !firstC) throw new Error('CDNOW has customers in every tier');
    expect(compareTierRank(lastA, firstB)).toBe(-1);
    expect(compareTierRank(lastB, firstC)).toBe(-1);
    expect({ m: firstB.m, customerId: firstB.customerId }).toEqual(thresholds.tierA);
    expect({ m: firstC.m, customerId: firstC.customerId }).toEqual(thresholds.tierB);
  });

  it('computes a version every week of the data, each matching the rows', () => {
    const history = orderHistory(orders);
    for (let tick = FIRST_DAY; tick <= LAST_DAY + 1; tick += 7) {
      const thresholds = thresholdsOfHistory(history, tick, WINDOW);
      const before = rows.filter((row) => tick - row.day < WINDOW && row.day < tick);
      expect(thresholds.size, `size at ${tick}`).toBe(new Set(before.map((row) => row.customerId)).size);
      expect(thresholds.sumM, `sumM at ${tick}`).toBe(before.reduce((sum, row) => sum + row.cents, 0));
      if (thresholds.size === 0) continue;
      const ascending = (cuts: number[]) => cuts.every((cut, k) => k === 0 || (cuts[k - 1] ?? cut) <= cut);
      expect(ascending(thresholds.fCuts) && ascending(thresholds.mCuts)).toBe(true);
      expect(ascending([...thresholds.rCuts].reverse())).toBe(true);
      if (thresholds.tierA && thresholds.tierB) {
        expect(compareTierRank(thresholds.tierA, thresholds.tierB)).toBeLessThanOrEqual(0);
      }
    }
  });
});
