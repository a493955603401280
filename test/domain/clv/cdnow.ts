// CDNOW files for the value-model tests: the raw transaction files as orders and
// the published calibration summaries (deploy/data/cdnow/README.md).
import { readFileSync } from 'node:fs';
import type { Order } from '../../../src/domain/order.js';
import { dayOf } from '../../../src/domain/time.js';

const DATA = new URL('../../../deploy/data/cdnow/', import.meta.url);

/** The calibration period of the papers: 1997-01-01 .. 1997-09-30, in weeks. */
export const CDNOW_CALIBRATION = { calibrationEndDay: dayOf(Date.UTC(1997, 8, 30)), daysPerUnit: 7 };

export interface PublishedSummary {
  id: string;
  x: number;
  tx: number;
  T: number;
  /** Mean repeat-transaction value in dollars; only in the "with transactions" file. */
  zbar: number;
}

/** `cdnow_customers_summary.csv` (ID,frequency,recency,T) or the `_with_transactions` one (ID,x,t_x,T,zbar). */
export function readPublishedSummary(
  file: 'cdnow_customers_summary.csv' | 'cdnow_customers_summary_with_transactions.csv',
): PublishedSummary[] {
  const [, ...rows] = readFileSync(new URL(file, DATA), 'utf8').trim().split(/\r?\n/);
  return rows.map((row) => {
    const [id, x, tx, T, zbar] = row.split(',');
    return { id: id as string, x: Number(x), tx: Number(tx), T: Number(T), zbar: Number(zbar ?? Number.NaN) };
  });
}

/**
 * The raw transactions as PURCHASE orders, one per line, at noon UTC.
 * `CDNOW_sample.txt` (no header): master_id sample_id YYYYMMDD cds dollars, customer = sample_id
 * (the ID of the summary files); `CDNOW_master.txt` (header): customer_id YYYYMMDD cds dollars.
 */
export function readCdnowOrders(file: 'CDNOW_sample.txt' | 'CDNOW_master.txt'): Order[] {
  const sample = file === 'CDNOW_sample.txt';
  const lines = readFileSync(new URL(file, DATA), 'utf8').split(/\r?\n/);
  const orders: Order[] = [];
  lines.forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || !/^\d{8}$/.test(fields[sample ? 2 : 1] ?? '')) return; // header, blank
    const [customer, date, , dollars] = sample ? fields.slice(1) : fields;
    const yyyymmdd = date as string;
    const eventId = `${file}:${index + 1}`;
    orders.push({
      eventId,
      orderId: eventId,
      customerId: String(Number(customer)),
      kind: 'PURCHASE',
      amountMinor: Math.round(Number(dollars) * 100),
      eventTime: Date.UTC(
        Number(yyyymmdd.slice(0, 4)),
        Number(yyyymmdd.slice(4, 6)) - 1,
        Number(yyyymmdd.slice(6)),
        12,
      ),
    });
  });
  return orders;
}

/** sample_id -> master_id of the sample's customers, both as numbers without leading zeros. */
export function cdnowSampleMasterIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const line of readFileSync(new URL('CDNOW_sample.txt', DATA), 'utf8').split(/\r?\n/)) {
    const [master, sample] = line.trim().split(/\s+/);
    if (master && sample) ids.set(String(Number(sample)), String(Number(master)));
  }
  return ids;
}
