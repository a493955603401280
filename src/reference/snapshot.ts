// Every customer's numbers, scores and segments as of a day, with the thresholds
// version in force: what the streaming state must agree with.

import type { Order } from '../domain/order.js';
import type { Segments } from '../domain/segments.js';
import { EMPTY_THRESHOLDS, type Thresholds } from '../domain/thresholds.js';
import { type RfmScores, referenceScores, referenceSegments } from './classify.js';
import { type CustomerFacts, factsOfHistory, orderHistory } from './customer-facts.js';
import { thresholdsOfHistory } from './thresholds.js';

export interface ReferenceCustomer extends CustomerFacts {
  scores: RfmScores | null;
  segments: Segments;
}

export interface SnapshotOptions {
  today: number;
  windowDays: number;
  /** The tick day of the version to classify with (<= today); null for the empty version. */
  thresholdsDay: number | null;
  /**
   * The orders the version counts, when not all of `orders`: a partition that
   * read an order of an earlier day after one of the tick day had ticked without
   * it (`ordersBeforeTick`).
   */
  thresholdsOrders?: readonly Order[];
}

export function referenceSnapshot(
  orders: readonly Order[],
  { today, windowDays, thresholdsDay, thresholdsOrders }: SnapshotOptions,
): { thresholds: Thresholds; customers: Map<string, ReferenceCustomer> } {
  if (thresholdsDay !== null && thresholdsDay > today) {
    throw new RangeError(`thresholdsDay ${thresholdsDay} is after today ${today}`);
  }
  const history = orderHistory(orders);
  const thresholds =
    thresholdsDay === null
      ? EMPTY_THRESHOLDS
      : thresholdsOfHistory(
          thresholdsOrders ? orderHistory(thresholdsOrders) : history,
          thresholdsDay,
          windowDays,
        );
  const customers = new Map<string, ReferenceCustomer>();
  for (const [customerId, facts] of factsOfHistory(history, today, windowDays)) {
    customers.set(customerId, {
      ...facts,
      scores: referenceScores(facts, thresholds),
      segments: referenceSegments(facts, thresholds),
    });
  }
  return { thresholds, customers };
}
