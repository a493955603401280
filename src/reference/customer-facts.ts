// Every customer's numbers as of a day, recomputed from its deduplicated events
// (src/domain/README.md, "One customer's numbers"): the batch oracle's first step.

import type { Order, OrderKind } from '../domain/order.js';
import { dayOf } from '../domain/time.js';

export interface CustomerFacts {
  customerId: string;
  signedUp: boolean;
  /** Distinct purchase days over all known days. */
  lifetimeTransactions: number;
  firstPurchaseDay: number | null;
  lastPurchaseDay: number | null;
  /** max(0, all purchases - all refunds), minor units. */
  lifetimeSpend: number;
  /** Purchase days in the window. */
  f: number;
  /** max(0, purchases in window - refunds in window), minor units. */
  m: number;
  /** today - lastPurchaseDay; null without a purchase. */
  r: number | null;
  recent90Count: number;
  /** Purchases minus refunds on days with 0 <= today - d < 90, not clamped. */
  recent90Spend: number;
  prior90Count: number;
  /** Purchases minus refunds on days with 90 <= today - d < 180, not clamped. */
  prior90Spend: number;
}

const TREND_DAYS = 90;

/** An event reduced to what the numbers need, with its day. */
export interface DatedEvent {
  kind: OrderKind;
  amountMinor: number;
  day: number;
}

/**
 * Every customer's events, deduplicated by eventId (the first occurrence in input
 * order wins, whatever its day) and sorted by day. Built once, it can be asked
 * about many days: a thresholds sweep need not regroup the orders for every tick.
 */
export interface OrderHistory {
  readonly customers: ReadonlyMap<string, readonly DatedEvent[]>;
}

export function orderHistory(orders: readonly Order[]): OrderHistory {
  const seen = new Set<string>();
  const customers = new Map<string, DatedEvent[]>();
  for (const order of orders) {
    if (seen.has(order.eventId)) continue;
    seen.add(order.eventId);
    if (order.kind !== 'SIGNUP' && !(Number.isSafeInteger(order.amountMinor) && order.amountMinor >= 0)) {
      throw new RangeError(`event ${order.eventId}: amountMinor must be a safe integer >= 0`);
    }
    const event = { kind: order.kind, amountMinor: order.amountMinor, day: dayOf(order.eventTime) };
    const own = customers.get(order.customerId);
    if (own) own.push(event);
    else customers.set(order.customerId, [event]);
  }
  for (const own of customers.values()) own.sort((a, b) => a.day - b.day);
  return { customers };
}

/** Every customer with at least one event of day <= today, with its numbers as of today. */
export function customerFacts(
  orders: readonly Order[],
  today: number,
  windowDays: number,
): Map<string, CustomerFacts> {
  return factsOfHistory(orderHistory(orders), today, windowDays);
}

/**
 * The numbers as of `today` of every customer with an event of day <= lastEventDay,
 * counting only those events (thresholds pass lastEventDay = today - 1).
 */
export function factsOfHistory(
  history: OrderHistory,
  today: number,
  windowDays: number,
  lastEventDay: number = today,
): Map<string, CustomerFacts> {
  if (!Number.isSafeInteger(today)) throw new RangeError(`today must be an integer day, got ${today}`);
  if (!Number.isSafeInteger(windowDays) || windowDays < 1) {
    throw new RangeError(`windowDays must be a positive integer, got ${windowDays}`);
  }
  if (lastEventDay > today) throw new RangeError(`lastEventDay ${lastEventDay} is after today ${today}`);
  const facts = new Map<string, CustomerFacts>();
  for (const [customerId, events] of history.customers) {
    const earliest = events[0];
    if (earliest === undefined || earliest.day > lastEventDay) continue;
    facts.set(customerId, factsOfCustomer(customerId, events, today, windowDays, lastEventDay));
  }
  return facts;
}

/** One customer's numbers from its events (sorted by day) up to lastEventDay. */
function factsOfCustomer(
  customerId: string,
  events: readonly DatedEvent[],
  today: number,
  windowDays: number,
  lastEventDay: number,
): CustomerFacts {
  const facts: CustomerFacts = {
    customerId,
    signedUp: false,
    lifetimeTransactions: 0,
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
  };
  let lifetimeNet = 0;
  let windowNet = 0;
  for (const { kind, amountMinor, day } of events) {
    if (day > lastEventDay) break;
    const age = today - day;
    const inWindow = age < windowDays;
    const inRecent90 = age < TREND_DAYS;
    const inPrior90 = !inRecent90 && age < 2 * TREND_DAYS;
    if (kind === 'SIGNUP') {
      facts.signedUp = true;
      continue;
    }
    // Events come sorted by day, so a purchase on a day other than the last
    // purchase day opens a new transaction.
    if (kind === 'PURCHASE' && day !== facts.lastPurchaseDay) {
      facts.lifetimeTransactions += 1;
      facts.firstPurchaseDay ??= day;
      facts.lastPurchaseDay = day;
      if (inWindow) facts.f += 1;
      if (inRecent90) facts.recent90Count += 1;
      if (inPrior90) facts.prior90Count += 1;
    }
    const signed = kind === 'PURCHASE' ? amountMinor : -amountMinor;
    lifetimeNet = addExact(lifetimeNet, signed);
    if (inWindow) windowNet = addExact(windowNet, signed);
    if (inRecent90) facts.recent90Spend = addExact(facts.recent90Spend, signed);
    if (inPrior90) facts.prior90Spend = addExact(facts.prior90Spend, signed);
  }
  facts.lifetimeSpend = Math.max(0, lifetimeNet);
  facts.m = Math.max(0, windowNet);
  facts.r = facts.lastPurchaseDay === null ? null : today - facts.lastPurchaseDay;
  return facts;
}

/** a + b, refusing to leave the safe-integer range where sums would silently round. */
export function addExact(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError(`sum ${a} + ${b} is not a safe integer`);
  return sum;
}
