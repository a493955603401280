// Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body):
// encodes with this version's schemas, and decodes a record written with any
// registered schema into them, classifying every failure with an RfmError.
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro, { type Resolver, type Type } from 'avsc';
import { RfmError } from '../errors.js';
import type { ChurnRiskEvent, OrderEvent, SegmentChangeEvent } from './records.js';
import { loadSchema, registryError, SCHEMA_FILES, type SchemaIds, type SchemaName } from './schemas.js';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

interface Reader {
  /** Undefined when the writer used the reader's own schema. */
  resolver: Resolver | undefined;
  /** The same with longs beyond 2^53 read as (inexact) numbers; made when first needed. */
  lenient?: Resolver | undefined;
  writer: Type;
}

/**
 * A long that reads any 64-bit value, as a number that is not a safe integer
 * when it is beyond 2^53: what a record that decodes only this way holds is
 * then judged by admission (an amount overflow is AMOUNT_OUT_OF_RANGE, not a
 * corrupt record). Used only to classify records the exact reader refuses.
 */
const LENIENT_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => Number(buffer.readBigInt64LE(0)),
  toBuffer: (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: Number,
  toJSON: (value: number) => value,
  isValid: (value: unknown) => typeof value === 'number' && Number.isInteger(value),
  compare: (a: number, b: number) => Math.sign(a - b),
});

export class AvroCodec {
  // No logical types are registered, so timestamp-millis longs decode to plain
  // epoch-millisecond numbers, and avsc refuses longs beyond 2^53 rather than round them.
  private readonly types: Record<SchemaName, Type>;
  private readonly lenientTypes = new Map<SchemaName, Type>();
  private readonly headers: Partial<Record<SchemaName, Buffer>>;
  private readonly readers = new Map<string, Promise<Reader>>();

  /**
   * `ids` are the registry ids of this version's schemas (from registerSchemas or
   * lookupSchemaIds), needed only to encode: a codec that only reads takes `{}`,
   * since every record names its writer schema.
   */
  constructor(
    private readonly registry: SchemaRegistry,
    ids: Partial<SchemaIds>,
  ) {
    const names = Object.keys(SCHEMA_FILES) as SchemaName[];
    this.types = Object.fromEntries(
      names.map((n) => [n, avro.Type.forSchema(loadSchema(n) as never)]),
    ) as Record<SchemaName, Type>;
    this.headers = Object.fromEntries(
      names.flatMap((n) => (ids[n] === undefined ? [] : [[n, wireHeader(ids[n])]])),
    );
  }

  /** A codec that decodes records of any registered writer schema and encodes none. */
  static forReading(registry: SchemaRegistry): AvroCodec {
    return new AvroCodec(registry, {});
  }

  encodeOrder(event: OrderEvent): Buffer {
    return this.encode('orderEvent', event);
  }

  encodeSegmentChange(change: SegmentChangeEvent): Buffer {
    return this.encode('segmentChange', change);
  }

  encodeChurnRisk(risk: ChurnRiskEvent): Buffer {
    return this.encode('churnRisk', risk);
  }

  /**
   * The order event in a record value, as written: whether its values are
   * acceptable (ids, amount, currency, time) is for domain/admission.ts to judge.
   * @throws RfmError NOT_AVRO (not the wire format), UNKNOWN_SCHEMA (the registry
   * has no such id), INVALID_EVENT (does not decode into an OrderEvent: corrupt,
   * or its writer schema lacks a field this one needs), SCHEMA_REGISTRY_UNAVAILABLE (retriable).
   */
  async decodeOrder(value: Buffer | null): Promise<OrderEvent> {
    return this.decode<OrderEvent>('orderEvent', value);
  }

  async decodeSegmentChange(value: Buffer | null): Promise<SegmentChangeEvent> {
    return this.decode<SegmentChangeEvent>('segmentChange', value);
  }

  async decodeChurnRisk(value: Buffer | null): Promise<ChurnRiskEvent> {
    return this.decode<ChurnRiskEvent>('churnRisk', value);
  }

  private encode(name: SchemaName, value: object): Buffer {
    const header = this.headers[name];
    if (!header) throw new Error(`this codec has no registry id for ${SCHEMA_FILES[name]}: it only reads`);
    const type = this.types[name];
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch (error) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
      throw new RfmError(
        'INVALID_EVENT',
        `cannot encode a ${SCHEMA_FILES[name]} record: invalid ${paths.join(', ')}`,
        {
          cause: error,
        },
      );
    }
    return Buffer.concat([header, body]);
  }

  private async decode<T>(name: SchemaName, value: Buffer | null): Promise<T> {
    if (!value || value.length < HEADER_BYTES || value[0] !== MAGIC_BYTE) {
      throw new RfmError(
        'NOT_AVRO',
        value && value.length >= HEADER_BYTES
          ? `record starts with byte ${value[0]}, not the magic byte 0 of the Confluent wire format`
          : `record of ${value?.length ?? 0} bytes is shorter than the ${HEADER_BYTES}-byte wire-format header`,
      );
    }
    const schemaId = value.readInt32BE(1);
    const reader = await this.reader(name, schemaId);
    const body = value.subarray(HEADER_BYTES);
    try {
      return this.types[name].fromBuffer(body, reader.resolver) as T;
    } catch (error) {
      const lenient = this.readLenient<T>(name, reader, body);
      if (lenient !== undefined) return lenient;
      throw new RfmError(
        'INVALID_EVENT',
        `record with schema id ${schemaId} does not decode as ${SCHEMA_FILES[name]}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** The record read with longs beyond 2^53 allowed, or undefined when it does not decode even so. */
  private readLenient<T>(name: SchemaName, reader: Reader, body: Buffer): T | undefined {
    let type = this.lenientTypes.get(name);
    if (!type) {
      type = avro.Type.forSchema(loadSchema(name) as never, { registry: { long: LENIENT_LONG } });
      this.lenientTypes.set(name, type);
    }
    try {
      if (!('lenient' in reader))
        reader.lenient = reader.resolver === undefined ? undefined : type.createResolver(reader.writer);
      return type.fromBuffer(body, reader.lenient) as T;
    } catch {
      return undefined;
    }
  }

  /** How to read records of writer schema `schemaId` as `name`; fetched once per id. */
  private reader(name: SchemaName, schemaId: number): Promise<Reader> {
    const key = `${name}:${schemaId}`;
    let reader = this.readers.get(key);
    if (!reader) {
      reader = this.createReader(name, schemaId);
      this.readers.set(key, reader);
      // A failure is not remembered: the registry may be back, or the id registered, next time.
      reader.catch(() => this.readers.delete(key));
    }
    return reader;
  }

  private async createReader(name: SchemaName, schemaId: number): Promise<Reader> {
    let writer: Type;
    try {
      writer = (await this.registry.getSchema(schemaId)) as Type;
    } catch (error) {
      if ((error as { status?: unknown })?.status === 404) {
        throw new RfmError('UNKNOWN_SCHEMA', `the schema registry has no schema with id ${schemaId}`, {
          cause: error,
        });
      }
      throw registryError(error, `fetching schema id ${schemaId}`);
    }
    const reader = this.types[name];
    if (reader.equals(writer)) return { resolver: undefined, writer };
    try {
      return { resolver: reader.createResolver(writer), writer };
    } catch (error) {
      throw new RfmError(
        'INVALID_EVENT',
        `schema id ${schemaId} cannot be read as ${SCHEMA_FILES[name]}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

function wireHeader(schemaId: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return header;
}
