// A thresholds version computed from scratch from the population P at a tick day
// (src/domain/README.md, "The population and its thresholds").

import type { Order } from '../domain/order.js';
import type { Thresholds, TierBoundary } from '../domain/thresholds.js';
import { dayOf, isoDay } from '../domain/time.js';
import {
  addExact,
  type CustomerFacts,
  factsOfHistory,
  type OrderHistory,
  orderHistory,
} from './customer-facts.js';

/** The version of tick day T: P as of today = T, counting only events with day < T. */
export function referenceThresholds(
  orders: readonly Order[],
  tickDay: number,
  windowDays: number,
): Thresholds {
  return thresholdsOfHistory(orderHistory(orders), tickDay, windowDays);
}

/**
 * The orders the version of `tickDay` counts, from each partition's orders in the
 * order the partition holds them: those before its first order of `tickDay` or
 * later. The tick waits for no more (src/domain/README.md, "The clock"): an order
 * of an earlier day after that one is applied to its own day, and counted by the
 * versions after. With every partition in day order, all orders of days before
 * `tickDay`.
 */
export function ordersBeforeTick(partitions: readonly (readonly Order[])[], tickDay: number): Order[] {
  return partitions.flatMap((orders) => {
    const first = orders.findIndex((order) => dayOf(order.eventTime) >= tickDay);
    return first === -1 ? [...orders] : orders.slice(0, first);
  });
}

/** The same from a history built once: for a sweep over many tick days. */
export function thresholdsOfHistory(history: OrderHistory, tickDay: number, windowDays: number): Thresholds {
  return thresholdsOfFacts(factsOfHistory(history, tickDay, windowDays, tickDay - 1).values(), tickDay);
}

/** The version of tick day T from customers' numbers already computed as of T (events before T). */
export function thresholdsOfFacts(facts: Iterable<CustomerFacts>, tickDay: number): Thresholds {
  const members = [...facts].filter((c) => c.f >= 1);
  const recencies = members.map(recencyOf);
  const frequencies = members.map((c) => c.f);
  const spends = members.map((c) => c.m);
  const sumM = sumExact(spends);
  const { tierA, tierB } = tierBoundaries(members, sumM);
  return {
    version: isoDay(tickDay),
    day: tickDay,
    size: members.length,
    sumR: sumExact(recencies),
    sumF: sumExact(frequencies),
    sumM,
    fCuts: cutsOf('smallest', frequencies),
    mCuts: cutsOf('smallest', spends),
    rCuts: cutsOf('largest', recencies),
    tierA,
    tierB,
  };
}

function sumExact(values: number[]): number {
  return values.reduce(addExact, 0);
}

/** need_k = ceil(k * n / 5) in integers. */
export function needOf(k: number, n: number): number {
  const kn = k * n;
  return (kn - (kn % 5)) / 5 + (kn % 5 === 0 ? 0 : 1);
}

/** The need_k-th smallest (or largest) value, 1-based, for k = 1..4; none for no values. */
function cutsOf(which: 'smallest' | 'largest', values: number[]): number[] {
  const n = values.length;
  if (n === 0) return [];
  // A typed array sorts numerically (ascending), and fast enough for a sweep over every tick day.
  const ascending = Float64Array.from(values).sort();
  return [1, 2, 3, 4].map((k) => {
    const need = needOf(k, n);
    const value = ascending[which === 'smallest' ? need - 1 : n - need];
    if (value === undefined) throw new Error(`cut ${k} out of range`);
    return value;
  });
}

/** Tier order: m descending, then customer id ascending in JavaScript string order. */
export function compareTierRank(a: { m: number; customerId: string }, b: { m: number; customerId: string }) {
  if (a.m !== b.m) return a.m > b.m ? -1 : 1;
  if (a.customerId === b.customerId) return 0;
  return a.customerId < b.customerId ? -1 : 1;
}

/**
 * The first customers, in tier order, whose revenueBefore reaches 80% and 95% of
 * the total: 5 * before >= 4 * total and 20 * before >= 19 * total, exactly.
 */
function tierBoundaries(
  members: CustomerFacts[],
  sumM: number,
): { tierA: TierBoundary | null; tierB: TierBoundary | null } {
  let tierA: TierBoundary | null = null;
  let tierB: TierBoundary | null = null;
  const total = BigInt(sumM);
  if (total === 0n) return { tierA, tierB };
  let before = 0n;
  for (const member of [...members].sort(compareTierRank)) {
    const boundary = { m: member.m, customerId: member.customerId };
    if (tierA === null && 5n * before >= 4n * total) tierA = boundary;
    if (tierB === null && 20n * before >= 19n * total) tierB = boundary;
    if (tierB !== null) break;
    before += BigInt(member.m);
  }
  return { tierA, tierB };
}

function recencyOf(member: CustomerFacts): number {
  if (member.r === null) throw new Error(`member ${member.customerId} of P has no recency`);
  return member.r;
}
