import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { kafkajsEncoder, speedUpKafkajsEncoder } from '../../src/stream/kafkajs-encoder.js';

const require = createRequire(import.meta.url);

interface Encoder {
  writeVarInt(value: number): Encoder;
  writeUVarInt(value: number): Encoder;
  writeVarLong(value: unknown): Encoder;
  writeVarIntString(value: string): Encoder;
  writeVarIntBytes(value: Buffer | string): Encoder;
  readonly buffer: Buffer;
}
type EncoderClass = (new () => Encoder) & { sizeOfVarLong(value: unknown): number };
interface Decoder {
  readVarInt(): number;
  readVarLong(): { toString(): string };
  readVarIntString(): string;
  readVarIntBytes(): Buffer;
  readUVarInt(): number;
}

/** Zig-zag varint bytes of a 64-bit value, from its definition (BigInt). */
function varLongBytes(value: bigint): number[] {
  let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (z >= 0x80n) {
    bytes.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  bytes.push(Number(z));
  return bytes;
}

/** Values around every power of two and seven-bit boundary, both signs, and some random ones. */
function samples(limit: number): number[] {
  const values = new Set<number>([0, 1, -1]);
  for (let bits = 1; 2 ** bits <= limit; bits++) {
    for (const base of [2 ** bits, 128 ** Math.min(bits, 7)]) {
      for (const d of [-2, -1, 0, 1, 2]) {
        const v = base + d;
        if (Math.abs(v) <= limit) values.add(v).add(-v);
      }
    }
  }
  let seed = 1;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    values.add(Math.floor((seed / 2 ** 31 - 0.5) * 2 * limit));
  }
  return [...values];
}

describe('kafkajs encoder, varints written in place', () => {
  const Encoder = kafkajsEncoder() as unknown as EncoderClass;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => Decoder;

  it('applies to kafkajs 2.2', () => {
    expect(Encoder).not.toBeNull();
    expect(speedUpKafkajsEncoder()).toBe(true);
  });

  it('writes varints and varlongs as the protocol defines them, read back by kafkajs', () => {
    speedUpKafkajsEncoder();
    for (const value of samples(2 ** 31 - 1)) {
      const bytes = new Encoder().writeVarInt(value).buffer;
      expect([...bytes], String(value)).toEqual(varLongBytes(BigInt(value)));
      expect(new Decoder(bytes).readVarInt()).toBe(value);
    }
    for (const value of [...samples(2 ** 53 - 1), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 52, -(2 ** 52)]) {
      const bytes = new Encoder().writeVarLong(value).buffer;
      expect([...bytes], String(value)).toEqual(varLongBytes(BigInt(value)));
      expect(new Decoder(bytes).readVarLong().toString()).toBe(String(value));
      expect(Encoder.sizeOfVarLong(value)).toBe(bytes.length);
    }
    // What kafkajs also takes: strings and BigInts, through its own code.
    for (const value of ['1234567890123', 5n, -(2n ** 62n)]) {
      const bytes = new Encoder().writeVarLong(value).buffer;
      expect([...bytes]).toEqual(varLongBytes(BigInt(value)));
    }
  });

  it('writes unsigned varints of any 32-bit value, and records of many fields in a row', () => {
    speedUpKafkajsEncoder();
    for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) {
      expect(new Decoder(new Encoder().writeUVarInt(value).buffer).readUVarInt()).toBe(value >>> 0);
    }
    // Far more than the encoder's first 512 bytes: it grows as it writes.
    const encoder = new Encoder();
    for (let i = 0; i < 1000; i++) {
      encoder
        .writeVarInt(i * 7919 - 500_000)
        .writeVarIntString(`ce_header_${i}`)
        .writeVarIntBytes(Buffer.from(`value ${i}`))
        .writeVarLong(i * 1_000_003);
    }
    const decoder = new Decoder(encoder.buffer);
    for (let i = 0; i < 1000; i++) {
      expect(decoder.readVarInt()).toBe(i * 7919 - 500_000);
      expect(decoder.readVarIntString()).toBe(`ce_header_${i}`);
      expect(decoder.readVarIntBytes().toString()).toBe(`value ${i}`);
      expect(decoder.readVarLong().toString()).toBe(String(i * 1_000_003));
    }
  });
});
