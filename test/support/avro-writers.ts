// Avro writers a misbehaving producer might use, for the tests of bad input: one
// whose longs go to 64 bits (an amount overflow), and the order schema with a
// field missing or of the wrong type.
import avro, { type Type } from 'avsc';
import { loadSchema } from '../../src/stream/schemas.js';

/** A long that writes any integer up to 2^63, as a producer in another language can. */
const WIDE_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => Number(buffer.readBigInt64LE(0)),
  toBuffer: (value: number | bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: unknown) => BigInt(value as number),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint' || Number.isInteger(value),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

type Field = { name: string; type: unknown };

/** The order schema with 64-bit longs, the event time's too: `amountMinor: 2n ** 62n` encodes. */
export const wideOrderType: Type = avro.Type.forSchema(orderSchemaRetyped('eventTime', 'long') as never, {
  registry: { long: WIDE_LONG },
});

/** The order schema without `field`: a record of it cannot be read as an order when the field has no default. */
export function orderSchemaWithout(field: string): Record<string, unknown> {
  const schema = loadSchema('orderEvent') as { fields: Field[] };
  return { ...schema, fields: schema.fields.filter((f) => f.name !== field) };
}

/** The order schema with `field` of another type. */
export function orderSchemaRetyped(field: string, type: unknown): Record<string, unknown> {
  const schema = loadSchema('orderEvent') as { fields: Field[] };
  return { ...schema, fields: schema.fields.map((f) => (f.name === field ? { ...f, type } : f)) };
}

/** The Confluent wire format: magic byte 0, the 4-byte schema id, the Avro body. */
export function wireFormat(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}
