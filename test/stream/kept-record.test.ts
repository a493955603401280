import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { deadLetterMessage } from '../../src/stream/dlq.js';
import { KeptBatch, KeptRecord } from '../../src/stream/kept-record.js';

/** A message as kafkajs gives it: key and value are views of the fetch response. */
function fetched(key: Uint8Array | null, value: Uint8Array | null, headers: KafkaMessage['headers'] = {}) {
  const fetch = Buffer.concat([
    Buffer.from('before'),
    Buffer.from(key ?? []),
    Buffer.from(value ?? []),
    Buffer.from('after'),
  ]);
  const keyAt = 6;
  const valueAt = keyAt + (key?.length ?? 0);
  const message: KafkaMessage = {
    key: key ? fetch.subarray(keyAt, valueAt) : null,
    value: value ? fetch.subarray(valueAt, valueAt + value.length) : null,
    headers,
    timestamp: '1700000000000',
    offset: '17',
    attributes: 0,
  };
  return { fetch, message };
}

describe('a record kept for its dead letter', () => {
  it('gives back its key, value and timestamp byte for byte, off the fetch it came in', () => {
    const bytes = fc.option(fc.uint8Array({ maxLength: 5000 }), { nil: null });
    fc.assert(
      fc.property(bytes, bytes, fc.nat(), (key, value, offset) => {
        const { fetch, message } = fetched(key, value);
        const kept = KeptRecord.of(message);
        const expected = {
          ...message,
          key: message.key && Buffer.from(message.key),
          value: message.value && Buffer.from(message.value),
        };
        fetch.fill(0);
        const record = kept.record(offset);
        expect(record.key).toEqual(expected.key);
        expect(record.value).toEqual(expected.value);
        expect(record.timestamp).toBe('1700000000000');
        expect(record.offset).toBe(String(offset));
        expect(record.headers).toEqual({});
      }),
    );
  });

  it('keeps its headers, copied', () => {
    const trace = Buffer.from('trace-1');
    const { message } = fetched(Buffer.from('c-1'), Buffer.from('v'), {
      trace,
      kinds: [Buffer.from('a'), 'b'],
      note: 'x',
    });
    const kept = KeptRecord.of(message);
    trace.fill(0);
    expect(kept.record(17).headers).toEqual({
      trace: Buffer.from('trace-1'),
      kinds: [Buffer.from('a'), 'b'],
      note: 'x',
    });
  });

  it('makes the same dead letter as the message it was kept from', () => {
    const { message } = fetched(Buffer.from('c-1'), Buffer.from([0, 2, 4, 6]));
    const dead = { topic: 'orders', partition: 2, reason: 'LATE', errorMessage: 'late', groupId: 'g' };
    expect(deadLetterMessage({ ...dead, message: KeptRecord.of(message).record(17) })).toEqual(
      deadLetterMessage({ ...dead, message }),
    );
  });

  it("shares one buffer among a batch's records, each giving back its own bytes", () => {
    const bytes = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null });
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes, bytes), { maxLength: 20 }), (pairs) => {
        const fetches = pairs.map(([key, value]) => fetched(key, value));
        const batch = new KeptBatch(fetches.map((f) => f.message));
        const kept = fetches.map((f) => batch.keep(f.message));
        for (const f of fetches) f.fetch.fill(0);
        kept.forEach((record, i) => {
          const [key, value] = pairs[i] as [Uint8Array | null, Uint8Array | null];
          const back = record.record(i);
          expect(back.key).toEqual(key && Buffer.from(key));
          expect(back.value).toEqual(value && Buffer.from(value));
          expect(back.timestamp).toBe('1700000000000');
        });
      }),
    );
  });

  it('refuses a message beyond the batch it was made for', () => {
    const batch = new KeptBatch([fetched(Buffer.from('k'), Buffer.from('v')).message]);
    batch.keep(fetched(Buffer.from('k'), Buffer.from('v')).message);
    expect(() => batch.keep(fetched(Buffer.from('k'), Buffer.from('v')).message)).toThrow(RangeError);
  });
});
