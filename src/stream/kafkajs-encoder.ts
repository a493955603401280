// kafkajs 2.2.4 (no longer maintained) encodes every varint of the protocol
// through a fresh Buffer (Buffer.from of a byte array), and every varlong (a
// record's timestamp delta) through BigInt-backed Longs: for each output
// record and each of its headers. Publishing was the processor's largest cost.
// This writes the same bytes in place, with plain integer arithmetic where the
// values allow, falling back to kafkajs's own code otherwise. Applied once per
// process, to the Encoder class every kafkajs client shares; left alone when
// that class is not the one expected (another kafkajs version).
import { createRequire } from 'node:module';

interface EncoderInstance {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
}

type Method = (this: EncoderInstance, value: unknown) => EncoderInstance;

interface EncoderClass {
  prototype: Record<string, Method | undefined>;
  sizeOfVarLong: (value: unknown) => number;
}

/** The largest magnitude whose zig-zag form stays an exact double: 2 * 2^52 + 1 < 2^53. */
const EXACT = 2 ** 52;
/** 0xffffff80: the bits beyond the low seven of a 32-bit varint, as kafkajs masks them. */
const HIGH_BITS = 0xffffff80;

let applied = false;

/** The kafkajs Encoder class, or null when it is not where kafkajs 2.2 keeps it. */
export function kafkajsEncoder(): EncoderClass | null {
  try {
    const Encoder = createRequire(import.meta.url)('kafkajs/src/protocol/encoder') as EncoderClass;
    const { prototype } = Encoder;
    if (
      typeof prototype.writeUVarInt !== 'function' ||
      typeof prototype.writeVarLong !== 'function' ||
      typeof prototype.ensureAvailable !== 'function' ||
      typeof Encoder.sizeOfVarLong !== 'function'
    )
      return null;
    return Encoder;
  } catch {
    return null;
  }
}

/** Makes kafkajs write varints in place; idempotent. Returns whether kafkajs's encoder is the patched one. */
export function speedUpKafkajsEncoder(): boolean {
  if (applied) return true;
  const Encoder = kafkajsEncoder();
  if (!Encoder) return false;
  const { prototype } = Encoder;
  const writeVarLong = prototype.writeVarLong as Method;
  const sizeOfVarLong = Encoder.sizeOfVarLong;

  // The same bit operations as kafkajs's, on 32 bits: at most five bytes.
  prototype.writeUVarInt = function writeUVarInt(this: EncoderInstance, value: unknown) {
    this.ensureAvailable(5);
    const { buf } = this;
    let at = this.offset;
    let v = value as number;
    while ((v & HIGH_BITS) !== 0) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at++] = v & 0x7f;
    this.offset = at;
    return this;
  };

  prototype.writeVarLong = function writeVarLongFast(this: EncoderInstance, value: unknown) {
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= EXACT) {
      return writeVarLong.call(this, value);
    }
    let z = zigZag(value);
    this.ensureAvailable(10);
    const { buf } = this;
    let at = this.offset;
    while (z >= 0x80) {
      buf[at++] = (z % 0x80) + 0x80;
      z = Math.floor(z / 0x80);
    }
    buf[at++] = z;
    this.offset = at;
    return this;
  };

  Encoder.sizeOfVarLong = (value: unknown) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= EXACT) {
      return sizeOfVarLong.call(Encoder, value);
    }
    let z = zigZag(value);
    let bytes = 1;
    while (z >= 0x80) {
      bytes += 1;
      z = Math.floor(z / 0x80);
    }
    return bytes;
  };
  applied = true;
  return true;
}

function zigZag(value: number): number {
  return value < 0 ? -2 * value - 1 : 2 * value;
}
