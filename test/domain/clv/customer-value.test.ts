// The live value of a customer: the state's incremental summary against the
// batch calibration summaries, and the P(alive) crossing days against a day-by-day scan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrationSummaries } from '../../../src/domain/clv/calibration.js';
import {
  customerValueOf,
  pAliveCrossingDays,
  valueSummaryOf,
} from '../../../src/domain/clv/customer-value.js';
import { fitValueModels } from '../../../src/domain/clv/fit.js';
import { P_ALIVE_LOW, P_ALIVE_VERY_LOW, type ValueSettings } from '../../../src/domain/clv/value-model.js';
import { applyOrder, emptyCustomer } from '../../../src/domain/customer.js';
import type { Order } from '../../../src/domain/order.js';
import { DAY_MS, dayOf } from '../../../src/domain/time.js';
import { CDNOW_CALIBRATION, readCdnowOrders } from './cdnow.js';

const START = dayOf(Date.UTC(2024, 0, 1));

const event = fc.record({
  day: fc.integer({ min: 0, max: 120 }),
  amountMinor: fc.integer({ min: 0, max: 50_000 }),
  kind: fc.constantFrom<Order['kind']>('PURCHASE', 'PURCHASE', 'PURCHASE', 'REFUND'),
  duplicate: fc.boolean(),
});

function ordersOf(events: { day: number; amountMinor: number; kind: Order['kind']; duplicate: boolean }[]) {
  return events.map(
    (e, i): Order => ({
      eventId: e.duplicate && i > 0 ? `e${i - 1}` : `e${i}`,
      orderId: `o${i}`,
      customerId: 'c',
      kind: e.kind,
      amountMinor: e.amountMinor,
      eventTime: (START + e.day) * DAY_MS + 3_600_000,
    }),
  );
}

describe('the live value summary', () => {
  it('equals the batch calibration summary, whatever order the events arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        (events, unit) => {
          const orders = ordersOf(events);
          // Duplicates must carry the same content as their original to be duplicates.
          const byId = new Map<string, Order>();
          const unique = orders.map((o) => {
            if (!byId.has(o.eventId)) byId.set(o.eventId, o);
            return byId.get(o.eventId) as Order;
          });
          const state = emptyCustomer();
          for (const o of unique) applyOrder(state, o, dayOf(o.eventTime));
          const end = START + 150;
          const [batch] = calibrationSummaries(unique, { calibrationEndDay: end, daysPerUnit: unit });
          const live = valueSummaryOf(state, end, unit);
          if (!batch) {
            expect(live).toBeNull();
            return;
          }
          expect(live).not.toBeNull();
          expect(live?.x).toBe(batch.x);
          expect(live?.tx).toBeCloseTo(batch.tx, 12);
          expect(live?.T).toBeCloseTo(batch.T, 12);
          expect(live?.mx).toBeCloseTo(batch.mx, 9);
          const purchaseDays = [
            ...new Set(unique.filter((o) => o.kind === 'PURCHASE').map((o) => dayOf(o.eventTime))),
          ];
          purchaseDays.sort((d, e) => d - e);
          expect(state.secondPurchaseDay).toBe(purchaseDays[1] ?? null);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('P(alive) crossing days', () => {
  // The models fitted on CDNOW_sample's calibration period, in weeks.
  const fitted = fitValueModels(
    calibrationSummaries(readCdnowOrders('CDNOW_sample.txt'), CDNOW_CALIBRATION),
    { calibrationEnd: '1997-09-30', daysPerUnit: 7 },
  );
  const settings: ValueSettings = {
    model: { ...fitted, version: 't.1', fittedAt: '2026-01-01T00:00:00Z' },
    horizonDays: 365,
    annualDiscountRate: 0,
  };
  const levelOf = (p: number) => (p < P_ALIVE_VERY_LOW ? 2 : p < P_ALIVE_LOW ? 1 : 0);

  it('include every day a silent customer crosses a churn-risk level, found by scanning day by day', () => {
    let crossings = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 25 }),
        (days) => {
          const state = emptyCustomer();
          for (const [i, day] of days.entries()) {
            applyOrder(
              state,
              {
                eventId: `e${i}`,
                orderId: `o${i}`,
                customerId: 'c',
                kind: 'PURCHASE',
                amountMinor: 1000,
                eventTime: 0,
              },
              START + day,
            );
          }
          const due = new Set(pAliveCrossingDays(state, settings));
          const last = state.lastPurchaseDay as number;
          let before = levelOf(customerValueOf(state, last, settings)?.pAlive as number);
          for (let d = last + 1; d < last + 3000; d++) {
            const level = levelOf(customerValueOf(state, d, settings)?.pAlive as number);
            if (level !== before) crossings++;
            if (level !== before)
              expect(
                due.has(d),
                `level ${before} -> ${level} on day ${d - last} after the last purchase`,
              ).toBe(true);
            before = level;
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(crossings).toBeGreaterThan(30);
  });

  it('are none for a one-time buyer, whose P(alive) is 1', () => {
    const state = emptyCustomer();
    applyOrder(
      state,
      { eventId: 'e', orderId: 'o', customerId: 'c', kind: 'PURCHASE', amountMinor: 5, eventTime: 0 },
      START,
    );
    expect(pAliveCrossingDays(state, settings)).toEqual([]);
    expect(customerValueOf(state, START + 1000, settings)?.pAlive).toBe(1);
  });

  it('gives expected transactions and CLV that fall as a repeat buyer stays silent', () => {
    const state = emptyCustomer();
    for (const [i, day] of [0, 20, 45].entries()) {
      applyOrder(
        state,
        {
          eventId: `e${i}`,
          orderId: `o${i}`,
          customerId: 'c',
          kind: 'PURCHASE',
          amountMinor: 3000,
          eventTime: 0,
        },
        START + day,
      );
    }
    const soon = customerValueOf(state, START + 50, settings);
    const later = customerValueOf(state, START + 400, settings);
    expect(soon?.expectedTransactions).toBeGreaterThan(later?.expectedTransactions as number);
    expect(soon?.predictedClv).toBeGreaterThan(later?.predictedClv as number);
    expect(later?.predictedClv).toBeGreaterThan(0);
    const discounted = customerValueOf(state, START + 50, { ...settings, annualDiscountRate: 0.2 });
    expect(discounted?.predictedClv).toBeLessThan(soon?.predictedClv as number);
  });
});

describe('fitValueModels', () => {
  it('refuses a calibration period without repeat buyers, saying why', () => {
    const orders = ordersOf([
      { day: 1, amountMinor: 100, kind: 'PURCHASE', duplicate: false },
      { day: 2, amountMinor: 100, kind: 'PURCHASE', duplicate: false },
    ]).map((o, i) => ({ ...o, customerId: `c${i}` }));
    const summaries = calibrationSummaries(orders, { calibrationEndDay: START + 10, daysPerUnit: 7 });
    expect(() => fitValueModels(summaries, { calibrationEnd: '2024-01-11', daysPerUnit: 7 })).toThrow(
      /repeat/,
    );
  });
});
