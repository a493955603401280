// What reading an order file gives: the events to send, in order, and the rows
// left out with the reason, so an import can account for every line.
import type { OrderEvent } from '../stream/records.js';

export interface SkippedRow {
  /** 1-based line of the file. */
  lineNumber: number;
  reason: string;
}

export interface ParsedOrders {
  /** Data rows read: every non-blank line but the header. */
  rows: number;
  events: OrderEvent[];
  skipped: SkippedRow[];
}

export interface SkipReason {
  reason: string;
  count: number;
  /** Line of the first row skipped for this reason, to look at. */
  firstLine: number;
}

/**
 * The events in event-time order; events at the same time keep their file
 * order, so a customer's same-day rows arrive as written.
 */
export function sortByEventTime(events: readonly OrderEvent[]): OrderEvent[] {
  // Array.prototype.sort is stable (ES2019).
  return [...events].sort((a, b) => a.eventTime - b.eventTime);
}

/** Skipped rows grouped by reason, the most frequent first. */
export function skipReasons(skipped: readonly SkippedRow[]): SkipReason[] {
  const byReason = new Map<string, SkipReason>();
  for (const { lineNumber, reason } of skipped) {
    const entry = byReason.get(reason);
    if (entry) entry.count += 1;
    else byReason.set(reason, { reason, count: 1, firstLine: lineNumber });
  }
  return [...byReason.values()].sort((a, b) => b.count - a.count || a.firstLine - b.firstLine);
}
