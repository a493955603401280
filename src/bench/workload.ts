// The synthetic order streams the benchmark feeds the processor: seeded, so two
// runs with the same options produce the same orders, in event-time order over
// a span of days, with customers drawn from a Zipf distribution (or round robin,
// for the history-length comparison).
import type { OrderEvent } from '../stream/records.js';

const DAY_MS = 86_400_000;

/** mulberry32: a small, fast, seeded PRNG with a period of 2^32; enough for a workload. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Draws ranks 1..m with P(k) proportional to 1 / k^s (Zipf): rank 1 is the
 * heaviest buyer. Inverse-CDF by binary search over the cumulative weights.
 */
export function zipfSampler(m: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(m);
  let total = 0;
  for (let k = 1; k <= m; k++) {
    total += 1 / k ** s;
    cdf[k - 1] = total;
  }
  return () => {
    const u = random() * total;
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

export interface WorkloadOptions {
  /** Orders to generate. */
  orders: number;
  /** Picks the customer (a rank from 1) of the i-th order. */
  customerOf: (i: number) => number;
  /** Event time of the first order (epoch ms). @default 2024-01-01T00:00Z */
  startTime?: number;
  /** Days the orders spread over, evenly and in order. @default 365 */
  days?: number;
  /** Share of the orders that are refunds. @default 0.02 */
  refundShare?: number;
  /** Prefix of event ids, unique per generated topic. */
  idPrefix: string;
  seed?: number;
}

export const BENCH_START = Date.UTC(2024, 0, 1);

/** `c` and the rank, zero-padded: ids sort like ranks and look like real customer numbers. */
export function customerIdOf(rank: number): string {
  return `c${String(rank).padStart(7, '0')}`;
}

/**
 * The orders, one at a time, in event-time order: order i at
 * `startTime + floor(i * days * DAY_MS / orders)`. Amounts are log-uniform
 * between 5.00 and 500.00; a refund returns part of a typical order.
 */
export function* workload(options: WorkloadOptions): Generator<OrderEvent> {
  const { orders, customerOf, idPrefix } = options;
  const startTime = options.startTime ?? BENCH_START;
  const span = (options.days ?? 365) * DAY_MS;
  const refundShare = options.refundShare ?? 0.02;
  const random = seededRandom(options.seed ?? 1);
  for (let i = 0; i < orders; i++) {
    const refund = random() < refundShare;
    const amount = Math.round(500 * 100 ** random());
    yield {
      eventId: `${idPrefix}-${i}`,
      customerId: customerIdOf(customerOf(i)),
      orderId: `${idPrefix}-o${i}`,
      kind: refund ? 'REFUND' : 'PURCHASE',
      amountMinor: refund ? Math.round(amount / 2) : amount,
      currency: 'USD',
      eventTime: startTime + Math.floor((i * span) / orders),
      quantity: null,
    };
  }
}

/** Customers drawn from Zipf(s) over 1..m, seeded. */
export function zipfCustomers(m: number, s: number, seed: number): (i: number) => number {
  const draw = zipfSampler(m, s, seededRandom(seed));
  return () => draw();
}

/** Customer i mod `customers`: each gets orders / customers of them, evenly spread over the span. */
export function roundRobinCustomers(customers: number): (i: number) => number {
  return (i) => (i % customers) + 1;
}
