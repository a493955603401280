// Generic order files: a header row names the columns, and a mapping says which
// column holds which field of an order event; what a file lacks comes from defaults.
import { ORDER_KINDS, type OrderKind } from '../domain/order.js';
import { ConfigError } from '../errors.js';
import type { OrderEvent } from '../stream/records.js';
import { minorUnitDigits, parseInteger, parseMinorUnits } from './amount.js';
import { type Delimiter, numberedLines, splitFields } from './csv.js';
import type { ParsedOrders, SkippedRow } from './rows.js';
import { parseEventTime, type TimeFormat } from './time.js';

export const ORDER_FIELDS = [
  'eventId',
  'customerId',
  'orderId',
  'kind',
  'amount',
  'currency',
  'eventTime',
  'quantity',
] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

/** Field → name of the column that holds it. */
export type ColumnMapping = Partial<Record<OrderField, string>>;

export interface MappingOptions {
  /** Columns named like a field map to it without being listed here. */
  columns: ColumnMapping;
  delimiter: Delimiter;
  timeFormat: TimeFormat;
  /** For rows without a kind column. */
  kind: OrderKind;
  /** For rows without a currency column. */
  currency: string;
  /** Whether amounts are written in major units (12.50) or minor units (1250). */
  amountUnit: 'major' | 'minor';
  /** Without an eventId column, event ids are `<idPrefix>-<line number>`: the same file gives the same ids. */
  idPrefix: string;
}

/** `eventId=id,customerId=cust` → { eventId: 'id', customerId: 'cust' }. */
export function parseColumns(spec: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const item of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [field = '', column = '', ...rest] = item.split('=').map((part) => part.trim());
    if (!(ORDER_FIELDS as readonly string[]).includes(field) || column === '' || rest.length > 0) {
      throw new ConfigError(
        `--columns ${JSON.stringify(item)}: write field=column, where field is one of ${ORDER_FIELDS.join(', ')}`,
      );
    }
    mapping[field as OrderField] = column;
  }
  return mapping;
}

/**
 * The events of a delimited file with a header row.
 * @throws ConfigError when the mapping names a column the header lacks, or a required field has no column.
 */
export function parseMappedOrders(text: string, options: MappingOptions): ParsedOrders {
  const [header, ...lines] = numberedLines(text);
  if (!header) return { rows: 0, events: [], skipped: [] };
  const indexOf = columnIndexes(splitFields(header.text, options.delimiter), options);
  const events: OrderEvent[] = [];
  const skipped: SkippedRow[] = [];
  for (const { lineNumber, text: line } of lines) {
    const fields = splitFields(line, options.delimiter);
    const get = (field: OrderField): string | undefined => {
      const index = indexOf[field];
      return index === undefined ? undefined : (fields[index] ?? '');
    };
    const event = toEvent(get, lineNumber, options);
    if (typeof event === 'string') skipped.push({ lineNumber, reason: event });
    else events.push(event);
  }
  return { rows: lines.length, events, skipped };
}

function columnIndexes(header: string[], options: MappingOptions): Partial<Record<OrderField, number>> {
  const indexOf: Partial<Record<OrderField, number>> = {};
  for (const field of ORDER_FIELDS) {
    const mapped = options.columns[field];
    const index = header.indexOf(mapped ?? field);
    if (mapped !== undefined && index === -1) {
      throw new ConfigError(
        `--columns maps ${field} to column ${JSON.stringify(mapped)}, which the header does not have (it has ${header.map((h) => JSON.stringify(h)).join(', ')})`,
      );
    }
    if (index !== -1) indexOf[field] = index;
  }
  const required: OrderField[] = ['customerId', 'eventTime'];
  // Signups carry no money, so a file of signups needs no amount column.
  if (indexOf.kind !== undefined || options.kind !== 'SIGNUP') required.push('amount');
  for (const field of required) {
    if (indexOf[field] === undefined) {
      throw new ConfigError(
        `no column holds ${field}: name one with --columns ${field}=<column> (the header has ${header.map((h) => JSON.stringify(h)).join(', ')})`,
      );
    }
  }
  return indexOf;
}

/** The event of one row, or why there is none. */
function toEvent(
  get: (field: OrderField) => string | undefined,
  lineNumber: number,
  options: MappingOptions,
): OrderEvent | string {
  const customerId = get('customerId') ?? '';
  if (customerId === '') return 'missing customerId';
  const eventId = get('eventId') ?? `${options.idPrefix}-${lineNumber}`;
  if (eventId === '') return 'missing eventId';
  const kind = (get('kind') || options.kind).toUpperCase();
  if (!(ORDER_KINDS as readonly string[]).includes(kind))
    return `unknown kind (not ${ORDER_KINDS.join('/')})`;
  const currency = (get('currency') || options.currency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return 'invalid currency';
  const eventTime = parseEventTime(get('eventTime') ?? '', options.timeFormat);
  if (eventTime === undefined) return `invalid eventTime (not ${options.timeFormat})`;
  const written = get('amount') ?? '';
  let amountMinor: number | undefined;
  if (written === '' && kind === 'SIGNUP') amountMinor = 0;
  else if (options.amountUnit === 'minor') amountMinor = parseInteger(written);
  else amountMinor = parseMinorUnits(written, minorUnitDigits(currency));
  if (amountMinor === undefined) return `invalid amount (not in ${options.amountUnit} units)`;
  if (amountMinor < 0) return 'negative amount (write refunds as kind REFUND with a positive amount)';
  const quantityText = get('quantity') ?? '';
  const quantity = quantityText === '' ? null : parseInteger(quantityText);
  if (quantity === undefined || (quantity !== null && (quantity < 0 || quantity > 2_147_483_647))) {
    return 'invalid quantity';
  }
  return {
    eventId,
    customerId,
    orderId: get('orderId') || eventId,
    kind: kind as OrderKind,
    amountMinor,
    currency,
    eventTime,
    quantity,
  };
}
