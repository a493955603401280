// Whether a decoded order event may enter the state, and in what reporting-currency
// amount: every rejection names the reason the DLQ records.
import { ORDER_KINDS, type Order, type OrderKind } from './order.js';

/** An order as it arrives, before any check. */
export interface IncomingOrder {
  eventId: string;
  customerId: string;
  orderId: string;
  kind: string;
  amountMinor: number;
  currency: string;
  eventTime: number;
}

export const REJECT_REASONS = [
  'INVALID_EVENT',
  'INVALID_CUSTOMER_ID',
  'AMOUNT_OUT_OF_RANGE',
  'UNKNOWN_CURRENCY',
  'FUTURE_TIMESTAMP',
  'PAST_TIMESTAMP',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface AdmissionRules {
  reportingCurrency: string;
  /** Units of the reporting currency per unit of another currency. */
  exchangeRates: Readonly<Record<string, number>>;
  maxAmountMinor: number;
  /** Events further ahead of `now` than this are rejected. */
  maxFutureMs: number;
  /** Events before this time are rejected; so is a time of 0 or less (never set), whatever this says. */
  minEventTime: number;
  /** Wall-clock time of the check. */
  now: number;
}

export type Admission = { ok: true; order: Order } | { ok: false; reason: RejectReason; message: string };

/** Longest customer id accepted: ids go into Redis keys and output records. */
export const MAX_ID_LENGTH = 256;

/** ISO-4217 currencies whose minor unit is not 1/100. */
const MINOR_EXPONENT: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function minorExponent(currency: string): number {
  return MINOR_EXPONENT[currency] ?? 2;
}

const reject = (reason: RejectReason, message: string): Admission => ({ ok: false, reason, message });

export function admit(incoming: IncomingOrder, rules: AdmissionRules): Admission {
  const { customerId, eventId, orderId, kind, amountMinor, currency, eventTime } = incoming;
  if (!eventId || !orderId) return reject('INVALID_EVENT', 'eventId and orderId must not be empty');
  if (!ORDER_KINDS.includes(kind as OrderKind)) return reject('INVALID_EVENT', `unknown kind '${kind}'`);
  if (!customerId) return reject('INVALID_CUSTOMER_ID', 'customerId is empty');
  if (customerId.length > MAX_ID_LENGTH) {
    return reject(
      'INVALID_CUSTOMER_ID',
      `customerId is ${customerId.length} characters, at most ${MAX_ID_LENGTH}`,
    );
  }
  if (/[{}]/.test(customerId)) return reject('INVALID_CUSTOMER_ID', 'customerId contains { or }');
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    return reject('AMOUNT_OUT_OF_RANGE', `amountMinor ${amountMinor} is not a non-negative integer`);
  }
  if (!Number.isSafeInteger(eventTime))
    return reject('INVALID_EVENT', `eventTime ${eventTime} is not an integer`);
  if (eventTime > rules.now + rules.maxFutureMs) {
    return reject(
      'FUTURE_TIMESTAMP',
      `eventTime ${new Date(eventTime).toISOString()} is too far in the future`,
    );
  }
  // 0 (or less) is a time that was never set, whatever the earliest accepted one.
  if (eventTime <= 0) return reject('PAST_TIMESTAMP', `eventTime ${eventTime} is not after the epoch`);
  if (eventTime < rules.minEventTime) {
    return reject(
      'PAST_TIMESTAMP',
      `eventTime ${eventTime} is before ${new Date(rules.minEventTime).toISOString()}`,
    );
  }
  const converted = toReportingCurrency(amountMinor, currency, rules);
  if (converted === null) return reject('UNKNOWN_CURRENCY', `no exchange rate for currency '${currency}'`);
  if (converted > rules.maxAmountMinor) {
    return reject('AMOUNT_OUT_OF_RANGE', `amount ${converted} exceeds the maximum ${rules.maxAmountMinor}`);
  }
  return {
    ok: true,
    order: { eventId, customerId, orderId, kind: kind as OrderKind, amountMinor: converted, eventTime },
  };
}

/** Converts minor units of `currency` to minor units of the reporting currency; null without a rate. */
export function toReportingCurrency(
  amountMinor: number,
  currency: string,
  rules: AdmissionRules,
): number | null {
  if (currency === rules.reportingCurrency) return amountMinor;
  const rate = rules.exchangeRates[currency];
  if (rate === undefined) return null;
  const scale = 10 ** (minorExponent(rules.reportingCurrency) - minorExponent(currency));
  return Math.round(amountMinor * rate * scale);
}
