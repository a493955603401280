// The records of the topics as TypeScript sees them on either side of Avro: one
// interface per schema in schemas/*.avsc, field for field.
import type { SegmentChange } from '../domain/changes.js';
import type { OrderKind } from '../domain/order.js';

/** A record of the orders topic (schemas/order-event.avsc). */
export interface OrderEvent {
  eventId: string;
  customerId: string;
  orderId: string;
  kind: OrderKind;
  /** Minor units of `currency`; never negative. */
  amountMinor: number;
  /** ISO-4217 code. */
  currency: string;
  /** Epoch milliseconds. */
  eventTime: number;
  quantity: number | null;
}

/**
 * A record of the segment-changes topic (schemas/segment-change.avsc): the
 * domain's change, field for field.
 */
export type SegmentChangeEvent = SegmentChange;

export const CHURN_LEVELS = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
export type ChurnLevel = (typeof CHURN_LEVELS)[number];

export const CHURN_REASONS = [
  'DOZING',
  'HALF_ASLEEP',
  'DEEP_SLEEP',
  'FREQUENCY_DROP',
  'SPEND_DROP',
  'P_ALIVE_LOW',
  'P_ALIVE_VERY_LOW',
] as const;
export type ChurnReason = (typeof CHURN_REASONS)[number];

/** A record of the churn-risk topic (schemas/churn-risk.avsc). */
export interface ChurnRiskEvent {
  eventId: string;
  customerId: string;
  previousLevel: ChurnLevel | null;
  level: ChurnLevel;
  reasons: ChurnReason[];
  daysSinceLastPurchase: number | null;
  pAlive: number | null;
  predictedClv: number | null;
  /** Epoch milliseconds. */
  eventTime: number;
}
