// kafkajs as patches/kafkajs+2.2.4.patch leaves it. The producer: grouping a
// send's messages by partition in one pass, and encoding records without a
// buffer for every varint or 512 bytes for every header. The bytes must be
// Kafka's: the varints against an independent zigzag LEB128 encoder, the records
// through kafkajs's own decoder (and the integration tests through a real broker).
// The consumer: a fetched batch keeps its messages only in `messages`, which the
// processor empties once it has copied them, and answers as kafkajs's own did.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

interface Encoder {
  writeVarInt(value: number): Encoder;
  writeVarLong(value: number): Encoder;
  readonly buffer: Buffer;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as {
  new (initialSize?: number): Encoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number): number;
};
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (
  buffer: Buffer,
) => { readVarInt(): number };

type Headers = Record<string, string | Buffer>;
interface RecordFields {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
}
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
  record: RecordFields,
) => Encoder;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: InstanceType<typeof Decoder>,
  batch: { firstOffset: string; firstTimestamp: string; magicByte: number },
) => {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
};

interface Message {
  key: string;
  partition: number;
}
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner: (args: { message: Message }) => number;
}) => Record<string, Message[]>;

/** Zigzag LEB128 of `value` in `bits` bits, with BigInts. */
function zigzagLeb128(value: number, bits: 32 | 64): number[] {
  const v = BigInt(value);
  let z = BigInt.asUintN(bits, (v << 1n) ^ (v >> BigInt(bits - 1)));
  const bytes: number[] = [];
  while (z >= 0x80n) {
    bytes.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  bytes.push(Number(z));
  return bytes;
}

const int32 = fc.oneof(fc.integer({ min: -200, max: 200 }), fc.integer());
const safeInteger = fc.oneof(
  int32,
  fc.maxSafeInteger(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map((n) => n * 4096),
);

describe('the patched kafkajs encoder', () => {
  it('writes varints as zigzag LEB128 and sizes them', () => {
    fc.assert(
      fc.property(int32, (value) => {
        const expected = zigzagLeb128(value, 32);
        expect([...new Encoder(1).writeVarInt(value).buffer]).toEqual(expected);
        expect(Encoder.sizeOfVarInt(value)).toBe(expected.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes varlongs as 64-bit zigzag LEB128 and sizes them', () => {
    fc.assert(
      fc.property(safeInteger, (value) => {
        const expected = zigzagLeb128(value, 64);
        expect([...new Encoder(1).writeVarLong(value).buffer]).toEqual(expected);
        expect(Encoder.sizeOfVarLong(value)).toBe(expected.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes records that its decoder reads back, each varint after the first where the length says', () => {
    const bytes = fc.option(
      fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)),
      { nil: null },
    );
    const headers = fc.dictionary(
      // Prefixed: kafkajs's decoder takes a name like 'toString' for a header already read.
      fc.string({ maxLength: 40 }).map((name) => `h-${name}`),
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      ),
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.nat(2 ** 40),
        bytes,
        bytes,
        headers,
        (offsetDelta, timestampDelta, key, value, h) => {
          const encoded = encodeRecord({ offsetDelta, timestampDelta, key, value, headers: h }).buffer;
          const decoder = new Decoder(encoded);
          const length = decoder.readVarInt();
          expect(length + zigzagLeb128(length, 32).length).toBe(encoded.length);
          const record = decodeRecord(decoder, { firstOffset: '0', firstTimestamp: '0', magicByte: 2 });
          expect(record.offset).toBe(String(offsetDelta));
          expect(record.timestamp).toBe(String(timestampDelta));
          expect(record.key).toEqual(key);
          expect(record.value).toEqual(value);
          expect(record.headers).toEqual(
            Object.fromEntries(
              Object.entries(h).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]),
            ),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("the patched kafkajs producer's grouping by partition", () => {
  const group = (messages: Message[]) =>
    groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}],
      messages,
      partitioner: ({ message }) => message.partition,
    });

  it('keeps each partition in send order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.string(), partition: fc.nat(7) })), (messages) => {
        const expected: Record<string, Message[]> = {};
        for (const m of messages) expected[m.partition] = [...(expected[m.partition] ?? []), m];
        expect(group(messages)).toEqual(expected);
      }),
    );
  });

  it('is linear: 300,000 messages over 6 partitions in well under a second (minutes before)', () => {
    const messages = Array.from({ length: 300_000 }, (_, i) => ({ key: `c${i}`, partition: i % 6 }));
    const started = performance.now();
    const grouped = group(messages);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.values(grouped).map((list) => list.length)).toEqual([
      50_000, 50_000, 50_000, 50_000, 50_000, 50_000,
    ]);
  });
});

interface BatchMessage {
  offset: string;
  key: Buffer | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}
interface PartitionData {
  partition: number;
  highWatermark: string;
  messages: BatchMessage[];
  abortedTransactions: { firstOffset: string; producerId: string }[];
}
interface BatchAnswers {
  isEmpty(): boolean;
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToFiltering(): boolean;
  isEmptyControlRecord(): boolean;
  isEmptyDueToLogCompactedMessages(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
}
const Batch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: PartitionData,
) => BatchAnswers & { messages: BatchMessage[] };
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (args: {
  messages: BatchMessage[];
  abortedTransactions: PartitionData['abortedTransactions'];
}) => BatchMessage[];

/** kafkajs 2.2.4's Batch as released, keeping every message list (offsets here are small). */
function releasedBatch(
  fetchedOffset: string,
  data: PartitionData,
): BatchAnswers & { messages: BatchMessage[] } {
  const raw = data.messages;
  const within = raw.filter((m) => Number(m.offset) >= Number(fetchedOffset));
  const messages = filterAbortedMessages({
    messages: within,
    abortedTransactions: data.abortedTransactions,
  }).filter((m) => !m.isControlRecord);
  const answers = {
    messages,
    isEmpty: () => messages.length === 0,
    isEmptyIncludingFiltered: () => within.length === 0,
    isEmptyDueToFiltering: () => answers.isEmpty() && raw.length > 0,
    isEmptyControlRecord: () => answers.isEmpty() && within.some((m) => m.isControlRecord),
    isEmptyDueToLogCompactedMessages: () => raw.length > 0 && answers.isEmptyIncludingFiltered(),
    firstOffset: () => (answers.isEmptyIncludingFiltered() ? null : (within[0] as BatchMessage).offset),
    lastOffset: () =>
      answers.isEmptyDueToLogCompactedMessages()
        ? fetchedOffset
        : answers.isEmptyIncludingFiltered()
          ? String(Number(data.highWatermark) - 1)
          : (within[within.length - 1] as BatchMessage).offset,
    offsetLag: () => String(Number(data.highWatermark) - 1 - Number(answers.lastOffset())),
    offsetLagLow: () =>
      answers.isEmptyIncludingFiltered()
        ? '0'
        : String(Number(data.highWatermark) - 1 - Number(answers.firstOffset())),
  };
  return answers;
}

const ANSWERS = [
  'isEmpty',
  'isEmptyIncludingFiltered',
  'isEmptyDueToFiltering',
  'isEmptyControlRecord',
  'isEmptyDueToLogCompactedMessages',
  'firstOffset',
  'lastOffset',
  'offsetLag',
  'offsetLagLow',
] as const;

describe("the patched kafkajs consumer's batch", () => {
  const partitionData = fc
    .record({
      start: fc.integer({ min: 0, max: 50 }),
      kinds: fc.array(fc.constantFrom('order', 'control', 'abort marker', 'in transaction'), {
        maxLength: 12,
      }),
      aborted: fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 2 }),
      fetchedAhead: fc.integer({ min: 0, max: 15 }),
      beyond: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ start, kinds, aborted, fetchedAhead, beyond }) => {
      const messages = kinds.map(
        (kind, i): BatchMessage => ({
          offset: String(start + i),
          key: kind === 'abort marker' ? Buffer.from([0, 0, 0, 0]) : Buffer.from('c1'),
          isControlRecord: kind === 'control' || kind === 'abort marker',
          batchContext: { producerId: '7', inTransaction: kind !== 'order' },
        }),
      );
      const data: PartitionData = {
        partition: 0,
        highWatermark: String(start + kinds.length + beyond),
        messages,
        abortedTransactions: [...aborted]
          .sort((a, b) => a - b)
          .map((firstOffset) => ({ firstOffset: String(firstOffset), producerId: '7' })),
      };
      return { data, fetchedOffset: String(start + fetchedAhead) };
    });

  it('answers as the released batch did, before and after its messages are emptied', () => {
    fc.assert(
      fc.property(partitionData, ({ data, fetchedOffset }) => {
        const patched = new Batch('orders', fetchedOffset, data);
        const released = releasedBatch(fetchedOffset, data);
        expect(patched.messages.map((m) => m.offset)).toEqual(released.messages.map((m) => m.offset));
        const answers = ANSWERS.map((name) => released[name]());
        expect(ANSWERS.map((name) => patched[name]())).toEqual(answers);
        patched.messages.length = 0;
        expect(ANSWERS.map((name) => patched[name]())).toEqual(answers);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps no other list of the messages', () => {
    const data: PartitionData = {
      partition: 0,
      highWatermark: '3',
      messages: ['0', '1', '2'].map((offset) => ({
        offset,
        key: null,
        isControlRecord: false,
        batchContext: { producerId: '1', inTransaction: false },
      })),
      abortedTransactions: [],
    };
    const batch = new Batch('orders', '0', data) as unknown as Record<string, unknown>;
    const lists = Object.values(batch).filter(Array.isArray);
    expect(lists).toEqual([batch.messages]);
  });
});
