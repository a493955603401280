// The compact JSON form of a customer's state as stored in Redis.
import type { CustomerState, DayBucket } from '../domain/customer.js';

type StoredBucket = [day: number, purchases: number, refunds: number, purchased: 0 | 1, keys: string];
interface StoredState {
  u: 0 | 1;
  n: number;
  a: number | null;
  /** Absent in states written before it existed. */
  s?: number | null;
  z: number | null;
  p: number;
  r: number;
  /** Absent in states written before it existed. */
  x?: number;
  b: StoredBucket[];
}

export function encodeState(state: CustomerState): string {
  const stored: StoredState = {
    u: state.signedUp ? 1 : 0,
    n: state.lifetimeTransactions,
    a: state.firstPurchaseDay,
    s: state.secondPurchaseDay,
    z: state.lastPurchaseDay,
    p: state.lifetimePurchases,
    r: state.lifetimeRefunds,
    x: state.repeatSpend,
    b: state.buckets.map((b) => [b.day, b.purchases, b.refunds, b.purchased ? 1 : 0, b.eventKeys.join(' ')]),
  };
  return JSON.stringify(stored);
}

export function decodeState(json: string): CustomerState {
  const s = JSON.parse(json) as StoredState;
  return {
    signedUp: s.u === 1,
    lifetimeTransactions: s.n,
    firstPurchaseDay: s.a,
    secondPurchaseDay: s.s ?? null,
    lastPurchaseDay: s.z,
    lifetimePurchases: s.p,
    lifetimeRefunds: s.r,
    repeatSpend: s.x ?? 0,
    buckets: s.b.map(
      ([day, purchases, refunds, purchased, keys]): DayBucket => ({
        day,
        purchases,
        refunds,
        purchased: purchased === 1,
        eventKeys: keys === '' ? [] : keys.split(' '),
      }),
    ),
  };
}
