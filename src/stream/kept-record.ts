// An input record kept for its dead letter while it waits in a queue, in case it
// turns out late: its key and value copied out of the fetch into one buffer. A
// queued record then holds about 150 bytes for it, where kafkajs's message takes
// about 400 (the message, a buffer each for key and value, its offset and
// headers) and, through those buffers, the whole fetch response it came in.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { InputRecord } from './dlq.js';

export class KeptRecord {
  private constructor(
    /** The key's bytes, then the value's. */
    private readonly bytes: Buffer,
    /** -1 for none. */
    private readonly keyLength: number,
    private readonly valueLength: number,
    private readonly timestamp: string,
    /** Copied too; absent when there are none, as for orders. */
    private readonly headers: IHeaders | undefined,
  ) {}

  static of(message: KafkaMessage): KeptRecord {
    const { key, value } = message;
    const keyLength = key ? key.length : -1;
    const valueLength = value ? value.length : -1;
    const bytes = Buffer.allocUnsafe(Math.max(0, keyLength) + Math.max(0, valueLength));
    key?.copy(bytes, 0);
    value?.copy(bytes, Math.max(0, keyLength));
    const names = Object.keys(message.headers ?? {});
    return new KeptRecord(
      bytes,
      keyLength,
      valueLength,
      message.timestamp,
      names.length === 0 ? undefined : copyHeaders(message.headers as IHeaders),
    );
  }

  /** The record again, as its dead letter carries it. */
  record(offset: number): InputRecord {
    const keyEnd = Math.max(0, this.keyLength);
    return {
      key: this.keyLength < 0 ? null : this.bytes.subarray(0, keyEnd),
      value: this.valueLength < 0 ? null : this.bytes.subarray(keyEnd, keyEnd + this.valueLength),
      headers: this.headers ?? {},
      timestamp: this.timestamp,
      offset: String(offset),
    };
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
