// One customer's rolling state: lifetime facts plus day buckets for the rolling
// window, so an event costs O(buckets in window) whatever the history.
import { hash } from 'node:crypto';
import type { Order } from './order.js';

/** Everything bought and refunded on one UTC day, with the events that did it. */
export interface DayBucket {
  day: number;
  /** Purchases, minor units. */
  purchases: number;
  /** Refunds, minor units. */
  refunds: number;
  /** Whether the day has a purchase: one transaction for F. */
  purchased: boolean;
  /**
   * Short hashes (`eventKey`) of the events applied to this day, one after the
   * other in one string: the deduplication set, kept as long as the day. One
   * string, not an array of them, for memory: a state may keep hundreds of days.
   */
  eventKeys: string;
}

export interface CustomerState {
  signedUp: boolean;
  lifetimeTransactions: number;
  firstPurchaseDay: number | null;
  /** The second purchase day (the first repeat transaction): what cohort retention counts. */
  secondPurchaseDay: number | null;
  lastPurchaseDay: number | null;
  lifetimePurchases: number;
  lifetimeRefunds: number;
  /**
   * Net spend of the repeat transactions, minor units: over every purchase day
   * but the first, max(0, that day's purchases - that day's refunds). The value
   * models' mean repeat spend is this over (lifetimeTransactions - 1).
   */
  repeatSpend: number;
  /** Ascending by day; only days still in the window (and the trend windows) are kept. */
  buckets: DayBucket[];
}

export function emptyCustomer(): CustomerState {
  return {
    signedUp: false,
    lifetimeTransactions: 0,
    firstPurchaseDay: null,
    secondPurchaseDay: null,
    lastPurchaseDay: null,
    lifetimePurchases: 0,
    lifetimeRefunds: 0,
    repeatSpend: 0,
    buckets: [],
  };
}

/** The length of an event key: 8 one-byte characters. */
export const EVENT_KEY_LENGTH = 8;

/**
 * A 64-bit digest of an event id, as 8 one-byte characters: what the state keeps
 * for deduplication. Storing digests instead of ids bounds memory; a collision
 * needs ~4 * 10^9 events of one customer on one day.
 */
export function eventKey(eventId: string): string {
  return hash('sha1', eventId, 'buffer').toString('latin1', 0, EVENT_KEY_LENGTH);
}

/** Whether `key` is one of the event keys of `keys` (a bucket's `eventKeys`). */
function holdsKey(keys: string, key: string): boolean {
  for (let at = 0; at < keys.length; at += EVENT_KEY_LENGTH) if (keys.startsWith(key, at)) return true;
  return false;
}

export type ApplyOutcome = 'APPLIED' | 'DUPLICATE';

/**
 * Applies one order at its event day. Mutates and returns `state`. SIGNUP needs
 * no dedupe: it only sets a flag. Orders older than every kept bucket are the
 * caller's to reject (late events); here they are applied to a new bucket.
 */
export function applyOrder(state: CustomerState, order: Order, day: number): ApplyOutcome {
  if (order.kind === 'SIGNUP') {
    state.signedUp = true;
    return 'APPLIED';
  }
  const key = eventKey(order.eventId);
  const bucket = bucketFor(state, day);
  if (holdsKey(bucket.eventKeys, key)) return 'DUPLICATE';
  bucket.eventKeys += key;
  const repeatBefore = repeatSpendOf(state, bucket);
  if (order.kind === 'REFUND') {
    bucket.refunds += order.amountMinor;
    state.lifetimeRefunds += order.amountMinor;
  } else {
    bucket.purchases += order.amountMinor;
    state.lifetimePurchases += order.amountMinor;
    if (!bucket.purchased) {
      bucket.purchased = true;
      state.lifetimeTransactions += 1;
      addPurchaseDay(state, day);
    }
  }
  state.repeatSpend += repeatSpendOf(state, bucket) - repeatBefore;
  return 'APPLIED';
}

/** What one day adds to `repeatSpend`: its net, floored at 0, if it is a purchase day but not the first. */
function repeatSpendOf(state: CustomerState, bucket: DayBucket): number {
  if (!bucket.purchased || bucket.day === state.firstPurchaseDay) return 0;
  return Math.max(0, bucket.purchases - bucket.refunds);
}

/** A new purchase day: it may be the first, the second or the last (late orders arrive out of order). */
function addPurchaseDay(state: CustomerState, day: number): void {
  const first = state.firstPurchaseDay;
  if (first === null) {
    state.firstPurchaseDay = day;
  } else if (day < first) {
    // The old first day becomes a repeat transaction. Its bucket is still kept:
    // an order older than the kept days is late and never applied.
    const formerFirst = state.buckets.find((b) => b.day === first);
    state.firstPurchaseDay = day;
    state.secondPurchaseDay = first;
    if (formerFirst) state.repeatSpend += repeatSpendOf(state, formerFirst);
  } else if (state.secondPurchaseDay === null || day < state.secondPurchaseDay) {
    state.secondPurchaseDay = day;
  }
  if (state.lastPurchaseDay === null || day > state.lastPurchaseDay) state.lastPurchaseDay = day;
}

function bucketFor(state: CustomerState, day: number): DayBucket {
  const { buckets } = state;
  // Orders arrive nearly in time order: search from the newest end.
  let i = buckets.length;
  while (i > 0 && (buckets[i - 1] as DayBucket).day > day) i--;
  const before = buckets[i - 1];
  if (before && before.day === day) return before;
  const bucket: DayBucket = { day, purchases: 0, refunds: 0, purchased: false, eventKeys: '' };
  buckets.splice(i, 0, bucket);
  return bucket;
}

/**
 * Drops the buckets no rule needs as of `today`: days out of both the window and
 * the trend windows. Returns whether anything was dropped.
 */
export function dropExpiredBuckets(state: CustomerState, today: number, windowDays: number): boolean {
  const keepFrom = today - Math.max(windowDays, TREND_SPAN_DAYS) + 1;
  let n = 0;
  while (n < state.buckets.length && (state.buckets[n] as DayBucket).day < keepFrom) n++;
  if (n > 0) state.buckets.splice(0, n);
  return n > 0;
}

/**
 * Forgets the event keys of the days before `before`. With `before` the oldest
 * day an order may still be applied to (the clock less the allowed lateness), no
 * order of those days reaches the dedupe again: it is late. So the state keeps
 * event keys for the lateness, not the window, whatever the history.
 */
export function forgetEventKeys(state: CustomerState, before: number): void {
  for (const bucket of state.buckets) {
    if (bucket.day >= before) return;
    if (bucket.eventKeys.length > 0) bucket.eventKeys = '';
  }
}

/** The trend windows: the last 90 days and the 90 before. */
export const TREND_DAYS = 90;
export const TREND_SPAN_DAYS = 2 * TREND_DAYS;
