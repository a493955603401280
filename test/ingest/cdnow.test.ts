import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCdnow } from '../../src/ingest/cdnow.js';
import { sortByEventTime } from '../../src/ingest/rows.js';
import { presetFile } from '../../src/ingest/source.js';

const MASTER_HEAD = [
  ' customer_id  date number_of_cds  dollar_value',
  ' 00001 19970101  1   11.77',
  ' 00002 19970112  1   12.00',
  ' 00002 19970112  5   77.00',
  ' 00003 19970102  2   20.76',
  ' 00003 19970330  2   20.76',
].join('\r\n');

describe('parseCdnow, master file', () => {
  it('makes one USD purchase per row at noon UTC, with ids from the customer and the line number', () => {
    const { rows, events, skipped } = parseCdnow(MASTER_HEAD, 'cdnow');
    expect(rows).toBe(5);
    expect(skipped).toEqual([]);
    expect(events[0]).toEqual({
      eventId: 'cdnow-00001-2',
      customerId: '00001',
      orderId: 'cdnow-00001-2',
      kind: 'PURCHASE',
      amountMinor: 1177,
      currency: 'USD',
      eventTime: Date.parse('1997-01-01T12:00:00Z'),
      quantity: 1,
    });
    expect(events.map((e) => e.eventId)).toEqual([
      'cdnow-00001-2',
      'cdnow-00002-3',
      'cdnow-00002-4',
      'cdnow-00003-5',
      'cdnow-00003-6',
    ]);
    expect(events.map((e) => e.amountMinor)).toEqual([1177, 1200, 7700, 2076, 2076]);
    expect(events[2]?.quantity).toBe(5);
  });

  it('skips and explains rows it cannot read, still counting their lines', () => {
    const text = `${MASTER_HEAD}\n 00004 19970231 1 1.00\n 00005 19970101 x 1.00\n 00006 19970101 1 -2.00\n 00007 19970101 1\n 00008 19970101 2 3.5`;
    const { rows, events, skipped } = parseCdnow(text, 'cdnow');
    expect(rows).toBe(10);
    expect(skipped).toEqual([
      { lineNumber: 7, reason: 'invalid date' },
      { lineNumber: 8, reason: 'invalid number of CDs' },
      { lineNumber: 9, reason: 'negative dollar value' },
      { lineNumber: 10, reason: 'expected 4 fields' },
    ]);
    expect(events.at(-1)).toMatchObject({ eventId: 'cdnow-00008-11', amountMinor: 350 });
  });

  it('reads the whole master file: 69,659 purchases of 23,570 customers, ids unique', () => {
    const { rows, events, skipped } = parseCdnow(readFileSync(presetFile('cdnow'), 'utf8'), 'cdnow');
    expect(rows).toBe(69_659);
    expect(skipped).toEqual([]);
    expect(new Set(events.map((e) => e.customerId)).size).toBe(23_570);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(69_659);
    expect(events.at(-1)?.eventId).toBe('cdnow-23570-69660');
  });
});

describe('parseCdnow, sample file', () => {
  it('uses the master id as the customer and has no header', () => {
    const { rows, events } = parseCdnow(
      ' 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n',
      'cdnow-sample',
    );
    expect(rows).toBe(2);
    expect(events).toEqual([
      expect.objectContaining({
        eventId: 'cdnow-sample-00004-1',
        customerId: '00004',
        amountMinor: 2933,
        quantity: 2,
      }),
      expect.objectContaining({
        eventId: 'cdnow-sample-00004-2',
        eventTime: Date.parse('1997-01-18T12:00:00Z'),
      }),
    ]);
  });

  it('reads the whole sample file: 6,919 purchases of 2,357 customers', () => {
    const { rows, events, skipped } = parseCdnow(
      readFileSync(presetFile('cdnow-sample'), 'utf8'),
      'cdnow-sample',
    );
    expect([rows, events.length, skipped.length]).toEqual([6_919, 6_919, 0]);
    expect(new Set(events.map((e) => e.customerId)).size).toBe(2_357);
  });
});

describe('sortByEventTime', () => {
  it('orders by event time and keeps file order among equal times', () => {
    const { events } = parseCdnow(MASTER_HEAD, 'cdnow');
    expect(sortByEventTime(events).map((e) => e.eventId)).toEqual([
      'cdnow-00001-2',
      'cdnow-00003-5',
      'cdnow-00002-3',
      'cdnow-00002-4',
      'cdnow-00003-6',
    ]);
  });

  it('keeps file order among equal times across the whole master file', () => {
    const { events } = parseCdnow(readFileSync(presetFile('cdnow'), 'utf8'), 'cdnow');
    const sorted = sortByEventTime(events);
    const line = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));
    const outOfOrder = sorted.findIndex((b, i) => {
      const a = sorted[i - 1];
      return (
        a !== undefined &&
        !(a.eventTime < b.eventTime || (a.eventTime === b.eventTime && line(a.eventId) < line(b.eventId)))
      );
    });
    expect(outOfOrder).toBe(-1);
    expect(sorted.map((e) => e.eventId)).not.toEqual(events.map((e) => e.eventId));
  });
});
