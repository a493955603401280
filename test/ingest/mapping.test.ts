import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { WHITESPACE } from '../../src/ingest/csv.js';
import { type MappingOptions, parseColumns, parseMappedOrders } from '../../src/ingest/mapping.js';
import { parseEventTime } from '../../src/ingest/time.js';

const options = (overrides: Partial<MappingOptions> = {}): MappingOptions => ({
  columns: {},
  delimiter: ',',
  timeFormat: 'iso',
  kind: 'PURCHASE',
  currency: 'USD',
  amountUnit: 'major',
  idPrefix: 'orders',
  ...overrides,
});

describe('parseColumns', () => {
  it('reads field=column pairs', () => {
    expect(parseColumns('eventId=id, customerId = cust,amount=total')).toEqual({
      eventId: 'id',
      customerId: 'cust',
      amount: 'total',
    });
  });

  it.each(['price=total', 'customerId', 'customerId=', 'a=b=c'])('refuses %j, naming --columns', (spec) => {
    expect(() => parseColumns(spec)).toThrow(ConfigError);
    expect(() => parseColumns(spec)).toThrow(/--columns/);
  });
});

describe('parseMappedOrders', () => {
  it('maps renamed columns, takes same-named ones as they are, and fills defaults', () => {
    const text = [
      'id,cust,total,ts,currency,quantity,note',
      'e1,c1,12.50,2024-03-01T10:00:00Z,eur,3,first',
      'e2,c2,0.29,2024-03-02T00:00:00+02:00,,,"x, y"',
    ].join('\n');
    const { rows, events, skipped } = parseMappedOrders(
      text,
      options({ columns: parseColumns('eventId=id,customerId=cust,amount=total,eventTime=ts') }),
    );
    expect([rows, skipped]).toEqual([2, []]);
    expect(events).toEqual([
      {
        eventId: 'e1',
        customerId: 'c1',
        orderId: 'e1',
        kind: 'PURCHASE',
        amountMinor: 1250,
        currency: 'EUR',
        eventTime: Date.parse('2024-03-01T10:00:00Z'),
        quantity: 3,
      },
      {
        eventId: 'e2',
        customerId: 'c2',
        orderId: 'e2',
        kind: 'PURCHASE',
        amountMinor: 29,
        currency: 'USD',
        eventTime: Date.parse('2024-03-01T22:00:00Z'),
        quantity: null,
      },
    ]);
  });

  it('makes stable ids from the line number without an eventId column', () => {
    const text =
      'customerId\tamount\teventTime\tkind\n\na\t1250\t1700000000000\tREFUND\nb\t5\t1700000000001\t';
    const { events } = parseMappedOrders(
      text,
      options({ delimiter: '\t', amountUnit: 'minor', timeFormat: 'epoch-ms', idPrefix: 'shop' }),
    );
    expect(events.map((e) => [e.eventId, e.kind, e.amountMinor, e.eventTime])).toEqual([
      ['shop-3', 'REFUND', 1250, 1_700_000_000_000],
      ['shop-4', 'PURCHASE', 5, 1_700_000_000_001],
    ]);
  });

  it('reads amounts in the minor units of each currency', () => {
    const text = 'customerId amount currency eventTime\na 1500 JPY 20240301\nb 1.5 KWD 20240301';
    const { events } = parseMappedOrders(text, options({ delimiter: WHITESPACE, timeFormat: 'yyyymmdd' }));
    expect(events.map((e) => e.amountMinor)).toEqual([1500, 1500]);
    expect(events[0]?.eventTime).toBe(Date.parse('2024-03-01T12:00:00Z'));
  });

  it('skips bad rows with a reason and keeps going', () => {
    const text = [
      'customerId,amount,eventTime,kind,quantity',
      ',1.00,2024-01-01T00:00:00Z,,',
      'a,-1.00,2024-01-01T00:00:00Z,,',
      'a,1.00,2024-01-01 10:00,,',
      'a,1.00,2024-01-01T00:00:00Z,GIFT,',
      'a,ten,2024-01-01T00:00:00Z,,',
      'a,1.00,2024-01-01T00:00:00Z,,1.5',
      'a,,2024-01-01T00:00:00Z,signup,',
    ].join('\n');
    const { rows, events, skipped } = parseMappedOrders(text, options());
    expect(rows).toBe(7);
    expect(skipped.map((s) => [s.lineNumber, s.reason.split(' (')[0]])).toEqual([
      [2, 'missing customerId'],
      [3, 'negative amount'],
      [4, 'invalid eventTime'],
      [5, 'unknown kind'],
      [6, 'invalid amount'],
      [7, 'invalid quantity'],
    ]);
    expect(events).toEqual([
      expect.objectContaining({ eventId: 'orders-8', kind: 'SIGNUP', amountMinor: 0 }),
    ]);
  });

  it('names the missing column and what the header has', () => {
    expect(() => parseMappedOrders('cust,amount\nc,1', options())).toThrow(
      /no column holds customerId: name one with --columns customerId=<column> \(the header has "cust", "amount"\)/,
    );
    expect(() =>
      parseMappedOrders('cust,amount,eventTime\nc,1,x', options({ columns: { customerId: 'customer' } })),
    ).toThrow(/--columns maps customerId to column "customer", which the header does not have/);
  });

  it('needs no amount column for a file of signups', () => {
    const { events } = parseMappedOrders('customerId,eventTime\nc,2024-01-01', options({ kind: 'SIGNUP' }));
    expect(events).toEqual([expect.objectContaining({ kind: 'SIGNUP', amountMinor: 0 })]);
  });
});

describe('parseEventTime', () => {
  it('reads ISO times with an offset, ISO dates at noon UTC, epoch ms and YYYYMMDD', () => {
    expect(parseEventTime('2024-03-01T10:00:00.250Z', 'iso')).toBe(Date.parse('2024-03-01T10:00:00.250Z'));
    expect(parseEventTime('2024-03-01', 'iso')).toBe(Date.parse('2024-03-01T12:00:00Z'));
    expect(parseEventTime('1700000000000', 'epoch-ms')).toBe(1_700_000_000_000);
    expect(parseEventTime('19970101', 'yyyymmdd')).toBe(Date.parse('1997-01-01T12:00:00Z'));
  });

  it('refuses times that depend on the local time zone, and impossible dates', () => {
    expect(parseEventTime('2024-03-01T10:00:00', 'iso')).toBeUndefined();
    expect(parseEventTime('2024-02-30', 'iso')).toBeUndefined();
    expect(parseEventTime('19970229', 'yyyymmdd')).toBeUndefined();
    expect(parseEventTime('1.5', 'epoch-ms')).toBeUndefined();
  });
});
