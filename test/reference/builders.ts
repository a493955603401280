// Builders for the reference tests: hand-written order histories (days are UTC
// day numbers, amounts minor units, event ids unique unless given), and customer
// numbers and thresholds versions set field by field.

import type { Order, OrderKind } from '../../src/domain/order.js';
import { EMPTY_THRESHOLDS, type Thresholds } from '../../src/domain/thresholds.js';
import { DAY_MS } from '../../src/domain/time.js';
import type { CustomerFacts } from '../../src/reference/index.js';

let sequence = 0;

/** Noon of a day, or another hour (a fraction of a day) when the edge of a day matters. */
export function at(day: number, hour = 12): number {
  return day * DAY_MS + hour * 3_600_000;
}

function event(
  kind: OrderKind,
  customerId: string,
  eventTime: number,
  amountMinor: number,
  eventId?: string,
) {
  sequence += 1;
  const id = eventId ?? `event-${sequence}`;
  return {
    eventId: id,
    customerId,
    orderId: `order-${sequence}`,
    kind,
    amountMinor,
    eventTime,
  } satisfies Order;
}

export function purchase(customerId: string, day: number, amountMinor: number, eventId?: string): Order {
  return event('PURCHASE', customerId, at(day), amountMinor, eventId);
}

export function refund(customerId: string, day: number, amountMinor: number, eventId?: string): Order {
  return event('REFUND', customerId, at(day), amountMinor, eventId);
}

export function signup(customerId: string, day: number, eventId?: string): Order {
  return event('SIGNUP', customerId, at(day), 0, eventId);
}

/** An event at an exact time rather than noon. */
export function purchaseAt(customerId: string, eventTime: number, amountMinor: number): Order {
  return event('PURCHASE', customerId, eventTime, amountMinor);
}

/** One purchase of `amountMinor` on each of `days`. */
export function purchases(customerId: string, days: number[], amountMinor: number): Order[] {
  return days.map((day) => purchase(customerId, day, amountMinor));
}

/** A customer's numbers with only what a test cares about set. */
export function facts(partial: Partial<CustomerFacts>): CustomerFacts {
  return {
    customerId: 'c',
    signedUp: false,
    lifetimeTransactions: partial.f ?? 0,
    firstPurchaseDay: null,
    lastPurchaseDay: null,
    lifetimeSpend: 0,
    f: 0,
    m: 0,
    r: null,
    recent90Count: 0,
    recent90Spend: 0,
    prior90Count: 0,
    prior90Spend: 0,
    ...partial,
  };
}

export function version(partial: Partial<Thresholds>): Thresholds {
  return { ...EMPTY_THRESHOLDS, version: '2000-01-01', day: 10957, ...partial };
}
