// A customer's state as stored in Redis: a compact binary record (varints, day
// deltas, the events' dedupe keys as raw bytes), behind the customer's input
// partition and the last offset applied in it, in text, `<partition>:<offset>|`:
// the write script compares that prefix to fence off a writer that read an older
// state, and readers find the partition's member record from it.
import { type CustomerState, type DayBucket, EVENT_KEY_LENGTH } from '../domain/customer.js';
import { BinaryReader, BinaryWriter } from './binary.js';

const FORMAT = 1;
const SEPARATOR = 0x7c; // '|'

export function encodeState(state: CustomerState, w: BinaryWriter = new BinaryWriter(64)): Buffer {
  w.byte(FORMAT)
    .byte(state.signedUp ? 1 : 0)
    .uint(state.lifetimeTransactions)
    .nullable(state.firstPurchaseDay)
    .nullable(state.secondPurchaseDay)
    .nullable(state.lastPurchaseDay)
    .uint(state.lifetimePurchases)
    .uint(state.lifetimeRefunds)
    .uint(state.repeatSpend)
    .uint(state.buckets.length);
  // Every event key has the same length (eventKey's digest): written once, 0 for none.
  const keyLength = state.buckets.some((b) => b.eventKeys.length > 0) ? EVENT_KEY_LENGTH : 0;
  w.uint(keyLength);
  let previous = 0;
  for (const b of state.buckets) {
    if (b.eventKeys.length % EVENT_KEY_LENGTH !== 0)
      throw new Error(`event keys of ${b.eventKeys.length} characters are not keys of ${EVENT_KEY_LENGTH}`);
    w.int(b.day - previous)
      .uint(b.purchases)
      .uint(b.refunds)
      .uint((b.eventKeys.length / EVENT_KEY_LENGTH) * 2 + (b.purchased ? 1 : 0))
      .ascii(b.eventKeys);
    previous = b.day;
  }
  return w.toBuffer();
}

export function decodeState(buffer: Buffer, offset = 0): CustomerState {
  const r = new BinaryReader(buffer, offset);
  const format = r.byte();
  if (format !== FORMAT) throw new Error(`customer state format ${format} is not ${FORMAT}`);
  const state: CustomerState = {
    signedUp: r.byte() === 1,
    lifetimeTransactions: r.uint(),
    firstPurchaseDay: r.nullable(),
    secondPurchaseDay: r.nullable(),
    lastPurchaseDay: r.nullable(),
    lifetimePurchases: r.uint(),
    lifetimeRefunds: r.uint(),
    repeatSpend: r.uint(),
    buckets: [],
  };
  const count = r.uint();
  const keyLength = r.uint();
  if (keyLength !== 0 && keyLength !== EVENT_KEY_LENGTH)
    throw new Error(`customer state with event keys of ${keyLength} bytes, not ${EVENT_KEY_LENGTH}`);
  let day = 0;
  for (let i = 0; i < count; i++) {
    day += r.int();
    const purchases = r.uint();
    const refunds = r.uint();
    const keysAndPurchased = r.uint();
    const keys = Math.floor(keysAndPurchased / 2);
    const bucket: DayBucket = {
      day,
      purchases,
      refunds,
      purchased: keysAndPurchased % 2 === 1,
      eventKeys: keys === 0 ? '' : r.ascii(keys * keyLength),
    };
    state.buckets.push(bucket);
  }
  return state;
}

/** The prefix a customer record starts with, and a write expects to find. */
export function recordVersion(partition: number, lastOffset: number): string {
  return `${partition}:${lastOffset}|`;
}

/** The stored value of a customer: `<partition>:<last offset>|` and the state. */
export function encodeCustomerRecord(partition: number, lastOffset: number, state: CustomerState): Buffer {
  return encodeState(state, new BinaryWriter(96).ascii(recordVersion(partition, lastOffset)));
}

export interface CustomerRecord {
  /** The `<partition>:<last offset>|` prefix: what a write expects to find, to fence concurrent writers. */
  version: string;
  partition: number;
  lastOffset: number;
  state: CustomerState;
}

export function decodeCustomerRecord(buffer: Buffer): CustomerRecord {
  const end = buffer.indexOf(SEPARATOR);
  if (end < 0) throw new Error('customer record without its partition and offset prefix');
  const version = buffer.toString('latin1', 0, end + 1);
  const [partition = '', offset = ''] = version.slice(0, -1).split(':');
  return {
    version,
    partition: Number(partition),
    lastOffset: Number(offset),
    state: decodeState(buffer, end + 1),
  };
}
