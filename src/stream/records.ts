// The records of the topics as TypeScript sees them on either side of Avro: one
// interface per schema in schemas/*.avsc, field for field.
import type { ChurnRiskChange, SegmentChange } from '../domain/changes.js';
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

/** A record of the churn-risk topic (schemas/churn-risk.avsc): the domain's change, field for field. */
export type ChurnRiskEvent = ChurnRiskChange;
