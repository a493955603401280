// Reads CDNOW_master.txt (deploy/data/cdnow) into orders: one PURCHASE per row.
// Ids, which every importer of this file must reproduce: eventId = orderId =
// `cdnow-<customer_id as written, e.g. 00001>-<1-based line number in the file,
// the header being line 1>`; eventTime = the date at 12:00 UTC; amountMinor =
// Math.round(dollar_value * 100), rows of 0.00 kept as purchases of 0.

import { readFileSync } from 'node:fs';
import type { Order } from '../domain/order.js';

const HOUR_MS = 3_600_000;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DOLLARS = /^\d+(\.\d+)?$/;

/** The eventId (and orderId) of the row of `customerId` on line `lineNumber` of the file. */
export function cdnowEventId(customerId: string, lineNumber: number): string {
  return `cdnow-${customerId}-${lineNumber}`;
}

/** One data row (`customer_id date number_of_cds dollar_value`) as an order. */
export function cdnowLineToOrder(line: string, lineNumber: number): Order {
  const fields = line.trim().split(/\s+/);
  const fail = (why: string) => new Error(`CDNOW line ${lineNumber}: ${why}: ${JSON.stringify(line)}`);
  if (fields.length !== 4) throw fail(`expected 4 fields, got ${fields.length}`);
  const [customerId = '', date = '', , dollars = ''] = fields;
  const ymd = DATE.exec(date);
  if (!ymd) throw fail('date is not YYYYMMDD');
  const [year, month, dayOfMonth] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3])];
  const midnight = Date.UTC(year, month - 1, dayOfMonth);
  if (new Date(midnight).getUTCDate() !== dayOfMonth) throw fail('no such date');
  if (!DOLLARS.test(dollars)) throw fail('dollar_value is not a non-negative decimal');
  const eventId = cdnowEventId(customerId, lineNumber);
  return {
    eventId,
    customerId,
    orderId: eventId,
    kind: 'PURCHASE',
    amountMinor: Math.round(Number(dollars) * 100),
    eventTime: midnight + 12 * HOUR_MS,
  };
}

/** Every row of CDNOW_master.txt, in file order. */
export function readCdnowMaster(path: string | URL): Order[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  if (lines[0]?.trim().split(/\s+/)[0] !== 'customer_id') {
    throw new Error(`${path}: expected the header line "customer_id date number_of_cds dollar_value"`);
  }
  const orders: Order[] = [];
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') continue;
    orders.push(cdnowLineToOrder(line, index + 1));
  }
  return orders;
}
