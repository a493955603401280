// An order event as the domain sees it: already decoded, validated and in the
// reporting currency.

export const ORDER_KINDS = ['PURCHASE', 'REFUND', 'SIGNUP'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

export interface Order {
  /** Unique id of the event: the deduplication key. */
  eventId: string;
  customerId: string;
  orderId: string;
  kind: OrderKind;
  /** Minor units (cents) of the reporting currency; >= 0; 0 for SIGNUP. */
  amountMinor: number;
  /** Event time, epoch milliseconds. */
  eventTime: number;
}
