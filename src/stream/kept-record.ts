// An input record kept for its dead letter while it waits in a queue, in case it
// turns out late: its key and value copied out of the fetch. The records of one
// batch share one buffer (KeptBatch), which goes when the last of them does, and
// keep their timestamp as a number: a queued record holds about 40 bytes for
// it besides its key and value, where kafkajs's message takes about 400 (the message, a buffer each for
// key and value, its offset and timestamp strings and headers) and, through
// those buffers, the whole fetch response it came in.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { InputRecord } from './dlq.js';

export class KeptRecord {
  constructor(
    /** The batch's bytes: this record's key at `start`, then its value. */
    private readonly bytes: Buffer,
    private readonly start: number,
    /** -1 for none. */
    private readonly keyLength: number,
    private readonly valueLength: number,
    /** Epoch ms, as Kafka's int64 timestamps are: exact as a number. */
    private readonly timestamp: number,
    /** Copied too; absent when there are none, as for orders. */
    private readonly headers: IHeaders | undefined,
  ) {}

  /** One message kept on its own. */
  static of(message: KafkaMessage): KeptRecord {
    return new KeptBatch([message]).keep(message);
  }

  /** The record again, as its dead letter carries it. */
  record(offset: number): InputRecord {
    const keyEnd = this.start + Math.max(0, this.keyLength);
    return {
      key: this.keyLength < 0 ? null : this.bytes.subarray(this.start, keyEnd),
      value: this.valueLength < 0 ? null : this.bytes.subarray(keyEnd, keyEnd + this.valueLength),
      headers: this.headers ?? {},
      timestamp: String(this.timestamp),
      offset: String(offset),
    };
  }
}

/** Room for the keys and values of a batch's messages, copied as each is kept. */
export class KeptBatch {
  private readonly bytes: Buffer;
  private used = 0;

  constructor(messages: readonly KafkaMessage[]) {
    let size = 0;
    for (const { key, value } of messages) size += (key?.length ?? 0) + (value?.length ?? 0);
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** Copies one of the batch's messages (each at most once). */
  keep(message: KafkaMessage): KeptRecord {
    const { key, value } = message;
    const start = this.used;
    if (start + (key?.length ?? 0) + (value?.length ?? 0) > this.bytes.length)
      throw new RangeError('a message kept beyond the batch it was made for');
    if (key) this.used += key.copy(this.bytes, this.used);
    if (value) this.used += value.copy(this.bytes, this.used);
    const names = Object.keys(message.headers ?? {});
    return new KeptRecord(
      this.bytes,
      start,
      key ? key.length : -1,
      value ? value.length : -1,
      Number(message.timestamp),
      names.length === 0 ? undefined : copyHeaders(message.headers as IHeaders),
    );
  }
}

function copyHeaders(headers: IHeaders): IHeaders {
  const copy = (value: Buffer | string | undefined) => (Buffer.isBuffer(value) ? Buffer.from(value) : value);
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.map(copy) : copy(value),
    ]),
  ) as IHeaders;
}
