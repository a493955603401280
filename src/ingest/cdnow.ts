// The CDNOW files (deploy/data/cdnow) as order events: one PURCHASE per row, in
// US dollars, at noon UTC of the row's date, with ids made from the line number
// so that importing a file twice produces the same events.
import type { OrderEvent } from '../stream/records.js';
import { parseInteger, parseMinorUnits } from './amount.js';
import { numberedLines, splitFields, WHITESPACE } from './csv.js';
import type { ParsedOrders, SkippedRow } from './rows.js';
import { noonOf } from './time.js';

export const CDNOW_PRESETS = {
  /** 69,659 rows: `customer_id date number_of_cds dollar_value`, with a header line. */
  cdnow: { file: 'CDNOW_master.txt', columns: 4 },
  /** 6,919 rows: `master_id sample_id date number_of_cds dollar_value`, no header. */
  'cdnow-sample': { file: 'CDNOW_sample.txt', columns: 5 },
} as const;

export type CdnowPreset = keyof typeof CDNOW_PRESETS;

export function isCdnowPreset(name: string): name is CdnowPreset {
  return Object.hasOwn(CDNOW_PRESETS, name);
}

interface CdnowRow {
  customerId: string;
  date: string;
  cds: string;
  dollars: string;
}

/** The rows of a CDNOW file as events, in file order. */
export function parseCdnow(text: string, preset: CdnowPreset): ParsedOrders {
  const { columns } = CDNOW_PRESETS[preset];
  const events: OrderEvent[] = [];
  const skipped: SkippedRow[] = [];
  let rows = 0;
  for (const [index, { lineNumber, text: line }] of numberedLines(text).entries()) {
    const fields = splitFields(line, WHITESPACE);
    // The master file opens with a header line; the sample file has none.
    if (index === 0 && !/^\d+$/.test(fields[0] ?? '')) continue;
    rows += 1;
    if (fields.length !== columns) {
      skipped.push({ lineNumber, reason: `expected ${columns} fields` });
      continue;
    }
    const [customerId = '', date = '', cds = '', dollars = ''] =
      preset === 'cdnow' ? fields : [fields[0], fields[2], fields[3], fields[4]];
    const eventId =
      preset === 'cdnow' ? `cdnow-${customerId}-${lineNumber}` : `cdnow-sample-${customerId}-${lineNumber}`;
    const event = toEvent({ customerId, date, cds, dollars }, eventId);
    if (typeof event === 'string') skipped.push({ lineNumber, reason: event });
    else events.push(event);
  }
  return { rows, events, skipped };
}

/** The event of one row, or why there is none. */
function toEvent(row: CdnowRow, eventId: string): OrderEvent | string {
  const eventTime = noonOf(row.date);
  if (eventTime === undefined) return 'invalid date';
  const quantity = parseInteger(row.cds);
  if (quantity === undefined || quantity < 0 || quantity > 2_147_483_647) return 'invalid number of CDs';
  const amountMinor = parseMinorUnits(row.dollars, 2);
  if (amountMinor === undefined) return 'invalid dollar value';
  if (amountMinor < 0) return 'negative dollar value';
  return {
    eventId,
    customerId: row.customerId,
    orderId: eventId,
    kind: 'PURCHASE',
    amountMinor,
    currency: 'USD',
    eventTime,
    quantity,
  };
}
