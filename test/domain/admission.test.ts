import { describe, expect, it } from 'vitest';
import {
  type AdmissionRules,
  admit,
  type IncomingOrder,
  toReportingCurrency,
} from '../../src/domain/admission.js';

const NOW = Date.UTC(2026, 0, 1);
const rules: AdmissionRules = {
  reportingCurrency: 'USD',
  exchangeRates: { EUR: 1.08, JPY: 0.0067 },
  maxAmountMinor: 100_000_000,
  maxFutureMs: 86_400_000,
  minEventTime: 0,
  now: NOW,
};
const order: IncomingOrder = {
  eventId: 'e1',
  customerId: 'c1',
  orderId: 'o1',
  kind: 'PURCHASE',
  amountMinor: 1234,
  currency: 'USD',
  eventTime: NOW - 1000,
};
const reasonOf = (changes: Partial<IncomingOrder>) => {
  const result = admit({ ...order, ...changes }, rules);
  return result.ok ? 'OK' : result.reason;
};

describe('admit', () => {
  it('passes a valid order through in the reporting currency', () => {
    expect(admit(order, rules)).toEqual({
      ok: true,
      order: {
        eventId: 'e1',
        customerId: 'c1',
        orderId: 'o1',
        kind: 'PURCHASE',
        amountMinor: 1234,
        eventTime: NOW - 1000,
      },
    });
  });

  it('names the reason of every rejection', () => {
    expect(reasonOf({ customerId: '' })).toBe('INVALID_CUSTOMER_ID');
    expect(reasonOf({ customerId: 'x'.repeat(257) })).toBe('INVALID_CUSTOMER_ID');
    expect(reasonOf({ customerId: 'a{b}' })).toBe('INVALID_CUSTOMER_ID');
    expect(reasonOf({ eventId: '' })).toBe('INVALID_EVENT');
    expect(reasonOf({ kind: 'GIFT' })).toBe('INVALID_EVENT');
    expect(reasonOf({ amountMinor: -1 })).toBe('AMOUNT_OUT_OF_RANGE');
    expect(reasonOf({ amountMinor: 100_000_001 })).toBe('AMOUNT_OUT_OF_RANGE');
    expect(reasonOf({ amountMinor: 2 ** 60 })).toBe('AMOUNT_OUT_OF_RANGE');
    expect(reasonOf({ currency: 'XYZ' })).toBe('UNKNOWN_CURRENCY');
    expect(reasonOf({ eventTime: NOW + 86_400_001 })).toBe('FUTURE_TIMESTAMP');
    expect(reasonOf({ eventTime: -1 })).toBe('PAST_TIMESTAMP');
    expect(reasonOf({ eventTime: 0 })).toBe('PAST_TIMESTAMP');
    expect(reasonOf({ eventTime: Date.UTC(1900, 0, 1) })).toBe('PAST_TIMESTAMP');
    expect(reasonOf({ eventTime: NOW + 86_400_000 })).toBe('OK');
    expect(reasonOf({ customerId: 'x'.repeat(256) })).toBe('OK');
  });

  it('converts with the configured rate and each currency’s minor unit', () => {
    expect(toReportingCurrency(1000, 'EUR', rules)).toBe(1080);
    // 1000 yen (no minor unit) at 0.0067 USD per yen = 6.70 USD = 670 cents.
    expect(toReportingCurrency(1000, 'JPY', rules)).toBe(670);
    expect(toReportingCurrency(1000, 'GBP', rules)).toBeNull();
  });
});
