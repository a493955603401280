// The fault suite's input: a synthetic order history shaped like CDNOW (the data
// the throughput figures are quoted on), of any size, the same for a given seed.
// Customers arrive over 12 weeks and buy over 78 as the BG/NBD and Gamma-Gamma
// models fitted to CDNOW say they do; some purchases are refunded, some events
// are delivered twice or a few days out of order (all within the allowed
// lateness), and some customers only sign up.
import { DAY_MS } from '../../../src/domain/time.js';
import type { OrderEvent } from '../../../src/stream/records.js';

/** CDNOW's published BG/NBD (per week) and Gamma-Gamma (dollars) parameters. */
const BGNBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GAMMA_GAMMA = { p: 6.25, q: 3.74, v: 15.44 };
const WEEK_MS = 7 * DAY_MS;
const ARRIVAL_WEEKS = 12;
const OBSERVED_WEEKS = 78;
export const DATASET_START = Date.UTC(2023, 0, 2);

/** Every customer id starts so, and nothing else in a log line does: a leak is one regex away. */
export const CUSTOMER_ID_PREFIX = 'cst';
export const CUSTOMER_ID_PATTERN = /cst\d{6}/;

export interface Dataset {
  /** In the order they are produced (roughly event time, some a few days late, some twice). */
  events: OrderEvent[];
  customers: number;
}

/** `count` events exactly (duplicates included), from `seed`. */
export function generateDataset(count: number, seed = 7): Dataset {
  const random = mulberry32(seed);
  const gamma = (shape: number, rate: number) => sampleGamma(random, shape) / rate;
  const arrivals: { event: OrderEvent; at: number }[] = [];
  let customers = 0;
  let serial = 0;
  const end = DATASET_START + OBSERVED_WEEKS * WEEK_MS;
  const add = (event: Omit<OrderEvent, 'eventId' | 'currency' | 'quantity'>, lateDays = 0) => {
    serial += 1;
    const full: OrderEvent = { ...event, eventId: `ev-${serial}`, currency: 'USD', quantity: null };
    arrivals.push({ event: full, at: event.eventTime + lateDays * DAY_MS });
    return full;
  };
  while (arrivals.length < count) {
    customers += 1;
    const customerId = `${CUSTOMER_ID_PREFIX}${String(customers).padStart(6, '0')}`;
    let t = DATASET_START + random() * ARRIVAL_WEEKS * WEEK_MS;
    if (random() < 0.04) {
      add({
        customerId,
        orderId: `su-${customers}`,
        kind: 'SIGNUP',
        amountMinor: 0,
        eventTime: Math.floor(t),
      });
      if (random() < 0.5) continue;
      t += random() * 4 * WEEK_MS;
    }
    const lambda = gamma(BGNBD.r, BGNBD.alpha);
    const dropout = sampleBeta(random, BGNBD.a, BGNBD.b);
    const nu = gamma(GAMMA_GAMMA.q, GAMMA_GAMMA.v);
    for (;;) {
      if (t >= end) break;
      const dollars = gamma(GAMMA_GAMMA.p, nu);
      const purchase = add(
        {
          customerId,
          orderId: `o-${serial + 1}`,
          kind: 'PURCHASE',
          amountMinor: Math.max(1, Math.round(dollars * 100)),
          eventTime: Math.floor(t),
        },
        random() < 0.05 ? random() * 3 : 0,
      );
      if (random() < 0.01) arrivals.push({ event: purchase, at: purchase.eventTime + random() * DAY_MS });
      if (random() < 0.03) {
        const refundAt = purchase.eventTime + random() * 30 * DAY_MS;
        if (refundAt < end)
          add({
            customerId,
            orderId: purchase.orderId,
            kind: 'REFUND',
            amountMinor: Math.round(purchase.amountMinor * (random() < 0.5 ? 1 : random())),
            eventTime: Math.floor(refundAt),
          });
      }
      // CDNOW counts several orders of one day: a second one the same day now and then.
      if (random() < 0.06) {
        t += random() * 6 * 3_600_000;
        continue;
      }
      if (random() < dropout) break;
      t += (-Math.log(1 - random()) / Math.max(lambda, 1e-9)) * WEEK_MS;
    }
  }
  arrivals.length = count;
  arrivals.sort((x, y) => x.at - y.at);
  return { events: arrivals.map((a) => a.event), customers };
}

/** A small, fast, seedable generator (public domain, Tommy Ettinger). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Gamma(shape, 1) by Marsaglia and Tsang, boosted for shapes below 1. */
function sampleGamma(random: () => number, shape: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1) * random() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function sampleBeta(random: () => number, a: number, b: number): number {
  const x = sampleGamma(random, a);
  return x / (x + sampleGamma(random, b));
}

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
