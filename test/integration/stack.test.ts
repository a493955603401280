// Proves the integration stack is the real thing: Avro through a Confluent-API
// schema registry into a Kafka broker and out through a consumer group, and a
// Redis Lua script, each written by one client and read back by another.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { collectRecords, createTopic, testKafka, uniqueName, uniqueTopic } from '../support/kafka.js';
import { brokers, stackEndpoints } from '../support/stack-endpoints.js';

const stack = stackEndpoints();

const orderSchema = (name: string) => ({
  type: 'record',
  name,
  namespace: 'io.rfmstream.test',
  fields: [
    { name: 'eventId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'amountMinor', type: 'long' },
    { name: 'eventTime', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
});

describe('Kafka and the schema registry', () => {
  it('carries Avro records from one client, through the registry, to a consumer group of another', async () => {
    const topic = uniqueTopic('stack-avro');
    const subject = `${topic}-value`;
    const recordName = `Order${uniqueName('v').replace(/[^a-zA-Z0-9]/g, '')}`;

    const writerRegistry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const { id } = await writerRegistry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(orderSchema(recordName)) },
      { subject },
    );

    const producerKafka = testKafka();
    await createTopic(producerKafka, topic, 3);
    const producer = producerKafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({
      eventId: `e-${i}`,
      customerId: `c-${i % 7}`,
      amountMinor: 1000 + i,
      eventTime: 1_700_000_000_000 + i,
    }));
    await producer.send({
      topic,
      messages: await Promise.all(
        sent.map(async (order) => ({ key: order.customerId, value: await writerRegistry.encode(id, order) })),
      ),
    });
    await producer.disconnect();

    // A second client and a registry client with an empty cache: nothing is shared in-process.
    const readerKafka = testKafka();
    const readerRegistry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const records = await collectRecords(readerKafka, topic, sent.length);
    const received = await Promise.all(records.map((r) => readerRegistry.decode(r.message.value as Buffer)));

    expect(received.map((r) => ({ ...r, eventTime: Number(r.eventTime) })).sort(byEventId)).toEqual(
      [...sent].sort(byEventId),
    );
    // The Confluent wire format: magic byte 0, then the registry's schema id.
    const first = records[0]?.message.value as Buffer;
    expect(first[0]).toBe(0);
    expect(first.readInt32BE(1)).toBe(id);
    // Keys decide partitions on the broker: one customer, one partition.
    const partitionsOf = new Map<string, Set<number>>();
    for (const r of records) {
      const key = String(r.message.key);
      partitionsOf.set(key, (partitionsOf.get(key) ?? new Set()).add(r.partition));
    }
    expect([...partitionsOf.values()].every((p) => p.size === 1)).toBe(true);

    const admin = readerKafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(sent.length);
    expect(cluster.brokers.map((b) => `${b.host}:${b.port}`)).toContain(brokers()[0]);
  });

  it('serves the subject over the Confluent REST API and enforces BACKWARD compatibility', async () => {
    const subject = `${uniqueTopic('stack-compat')}-value`;
    const name = `Order${uniqueName('v').replace(/[^a-zA-Z0-9]/g, '')}`;
    const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const v1 = orderSchema(name);
    const first = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });

    const v2 = { ...v1, fields: [...v1.fields, { name: 'currency', type: 'string', default: 'USD' }] };
    const second = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v2) },
      { subject },
    );
    expect(second.id).not.toBe(first.id);
    expect(await registry.getLatestSchemaId(subject)).toBe(second.id);

    const versions = await fetch(`${stack.schemaRegistryUrl}/subjects/${subject}/versions`);
    expect(versions.status).toBe(200);
    expect(await versions.json()).toEqual([1, 2]);

    // A new required field without a default cannot read old records: BACKWARD rejects it.
    const breaking = { ...v1, fields: [...v1.fields, { name: 'channel', type: 'string' }] };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject }),
    ).rejects.toThrow();
  });
});

describe('Redis', () => {
  const writer = new Redis(stack.redisUrl, { lazyConnect: true });
  const reader = new Redis(stack.redisUrl, { lazyConnect: true });
  afterAll(async () => {
    writer.disconnect();
    reader.disconnect();
  });

  it('runs a Lua script atomically and another connection reads its result', async () => {
    const key = `{${uniqueName('stack')}}:counter`;
    writer.defineCommand('addAndStamp', {
      numberOfKeys: 1,
      lua: `
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('HSET', KEYS[1] .. ':meta', 'last', ARGV[1])
        return total`,
    });
    const scripted = writer as Redis & { addAndStamp(key: string, by: number): Promise<number> };
    expect(await scripted.addAndStamp(key, 5)).toBe(5);
    expect(await scripted.addAndStamp(key, 7)).toBe(12);

    expect(await reader.get(key)).toBe('12');
    expect(await reader.hget(`${key}:meta`, 'last')).toBe('7');
    const info = await reader.info('server');
    expect(info).toMatch(/redis_version:7\./);
    expect(await reader.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    await reader.del(key, `${key}:meta`);
  });
});

function byEventId(a: { eventId: string }, b: { eventId: string }): number {
  return a.eventId.localeCompare(b.eventId);
}
