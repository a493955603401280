// `rfm topics` and `rfm import` against the real stack: topics made once, the
// CDNOW sample read back from Kafka record for record.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../src/config/config.js';
import { importOrders } from '../../src/ingest/importer.js';
import { presetFile } from '../../src/ingest/source.js';
import { AvroCodec } from '../../src/stream/codec.js';
import { createSchemaRegistry, lookupSchemaIds, registerSchemas } from '../../src/stream/schemas.js';
import { ensureTopics } from '../../src/stream/topics.js';
import { testConfig } from '../support/config.js';
import { collectRecords, testKafka, uniqueTopic } from '../support/kafka.js';

const silent = pino({ level: 'silent' });

function stackConfig(prefix: string): Readonly<Config> {
  return testConfig(prefix, { topics: { partitions: 3 } });
}

async function setUpTopics(config: Readonly<Config>) {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const topics = await ensureTopics(admin, config);
    const ids = await registerSchemas(createSchemaRegistry(config), config);
    return { topics, ids };
  } finally {
    await admin.disconnect();
  }
}

describe('rfm topics', () => {
  it('creates the four topics and registers the schemas once; a second run creates nothing', async () => {
    const config = stackConfig('topics');
    const first = await setUpTopics(config);
    expect(first.topics.created.map((t) => [t.topic, t.numPartitions])).toEqual([
      [config.topics.orders, 3],
      [config.topics.segmentChanges, 3],
      [config.topics.churnRisk, 3],
      [config.topics.dlq, 3],
    ]);
    expect(first.topics.existing).toEqual([]);

    const second = await setUpTopics(config);
    expect(second.topics.created).toEqual([]);
    expect(second.topics.existing.map((t) => [t.topic, t.actualPartitions])).toEqual([
      [config.topics.orders, 3],
      [config.topics.segmentChanges, 3],
      [config.topics.churnRisk, 3],
      [config.topics.dlq, 3],
    ]);
    expect(second.ids).toEqual(first.ids);

    const admin = testKafka().admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [config.topics.dlq] });
    await admin.disconnect();
    expect(topics[0]?.partitions).toHaveLength(3);

    // A reader with an empty cache finds the same ids under <topic>-value.
    expect(await lookupSchemaIds(createSchemaRegistry(config), config)).toEqual(first.ids);
  });

  it('tells the user to run `rfm topics` when the schemas are not registered', async () => {
    const config = stackConfig('unregistered');
    await expect(lookupSchemaIds(createSchemaRegistry(config), config)).rejects.toMatchObject({
      code: 'SCHEMA_NOT_REGISTERED',
      message: expect.stringContaining('run `rfm topics`'),
    });
  });
});

describe('rfm import --preset cdnow-sample', () => {
  const config = stackConfig('import');
  const file = presetFile('cdnow-sample');

  beforeAll(async () => {
    await setUpTopics(config);
  });

  it('refuses a topic that does not exist, naming `rfm topics`', async () => {
    const missing = loadConfig(envOf(config), {
      topics: { orders: uniqueTopic('absent') },
      logLevel: 'silent',
    });
    await expect(
      importOrders(
        { file, format: { preset: 'cdnow-sample' }, sort: true, batchSize: 500, interactive: false },
        missing,
        silent,
      ),
    ).rejects.toMatchObject({ code: 'TOPIC_MISSING', message: expect.stringContaining('rfm topics') });
  });

  it('produces every row once, keyed by customer, in event-time order, with the file amounts', async () => {
    const summary = await importOrders(
      { file, format: { preset: 'cdnow-sample' }, sort: true, batchSize: 500, interactive: false },
      config,
      silent,
    );
    expect(summary).toMatchObject({
      rows: 6_919,
      sent: 6_919,
      skipped: [],
      beyondLimit: 0,
      distinctCustomers: 2_357,
    });

    const kafka = testKafka();
    const records = await collectRecords(kafka, config.topics.orders, 6_919, 60_000);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(config.topics.orders);
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(6_919);

    // A codec with a registry client of its own: the schema comes from the registry, not a cache.
    const registry = createSchemaRegistry(config);
    const codec = new AvroCodec(registry, await lookupSchemaIds(registry, config));
    const decoded = await Promise.all(
      records.map(async ({ partition, message }) => ({
        partition,
        offset: Number(message.offset),
        key: message.key?.toString(),
        event: await codec.decodeOrder(message.value),
      })),
    );

    expect(decoded).toHaveLength(6_919);
    expect(decoded.every((r) => r.key === r.event.customerId)).toBe(true);
    expect(new Set(decoded.map((r) => r.event.customerId)).size).toBe(2_357);
    expect(new Set(decoded.map((r) => r.event.eventId)).size).toBe(6_919);
    expect(decoded.every((r) => r.event.kind === 'PURCHASE' && r.event.currency === 'USD')).toBe(true);
    expect(decoded.every((r) => typeof r.event.eventTime === 'number')).toBe(true);

    // Each partition is in event-time order, ties in file order.
    const line = (eventId: string) => Number(eventId.slice(eventId.lastIndexOf('-') + 1));
    for (const partition of new Set(decoded.map((r) => r.partition))) {
      const events = decoded
        .filter((r) => r.partition === partition)
        .sort((a, b) => a.offset - b.offset)
        .map((r) => r.event);
      const outOfOrder = events.findIndex((b, i) => {
        const a = events[i - 1];
        return (
          a !== undefined &&
          (a.eventTime > b.eventTime || (a.eventTime === b.eventTime && line(a.eventId) > line(b.eventId)))
        );
      });
      expect(outOfOrder).toBe(-1);
    }
    expect(Math.min(...decoded.map((r) => r.event.eventTime))).toBe(Date.parse('1997-01-01T12:00:00Z'));

    // Amounts, counted from the file independently of the importer's parser.
    const fileCents = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .reduce((sum, l) => sum + Math.round(Number(l.trim().split(/\s+/)[4]) * 100), 0);
    expect(decoded.reduce((sum, r) => sum + r.event.amountMinor, 0)).toBe(fileCents);
    expect(fileCents).toBeGreaterThan(0);

    // Importing the same file again produces the same event ids: consumers deduplicate.
    const again = await importOrders(
      { file, format: { preset: 'cdnow-sample' }, sort: true, limit: 10, batchSize: 500, interactive: false },
      config,
      silent,
    );
    expect(again).toMatchObject({ sent: 10, beyondLimit: 6_909 });
    const more = await collectRecords(kafka, config.topics.orders, 6_929, 60_000);
    const repeated = await Promise.all(more.map((r) => codec.decodeOrder(r.message.value)));
    expect(new Set(repeated.map((e) => e.eventId)).size).toBe(6_919);
  });
});

function envOf(config: Readonly<Config>): Record<string, string> {
  return {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: config.schemaRegistry.url,
    REDIS_URL: config.redis.url,
  };
}
