// The input and output topics of a test's configuration, with the schemas
// registered, and the CDNOW presets imported into them, as `rfm topics` and
// `rfm import --preset` do.
import { pino } from 'pino';
import type { Config } from '../../src/config/config.js';
import { type ImportSummary, importOrders } from '../../src/ingest/importer.js';
import { presetFile } from '../../src/ingest/source.js';
import { createSchemaRegistry, registerSchemas } from '../../src/stream/schemas.js';
import { ensureTopics } from '../../src/stream/topics.js';
import { testKafka } from './kafka.js';

/** Creates the topics and registers the schemas; returns the schema ids. */
export async function setUpTopics(
  config: Readonly<Config>,
): Promise<Awaited<ReturnType<typeof registerSchemas>>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
  return registerSchemas(createSchemaRegistry(config), config);
}

/** Imports a CDNOW file into the orders topic, in event-time order. */
export function importPreset(
  config: Readonly<Config>,
  preset: 'cdnow' | 'cdnow-sample',
): Promise<ImportSummary> {
  return importOrders(
    { file: presetFile(preset), format: { preset }, sort: true, batchSize: 1000, interactive: false },
    config,
    pino({ level: 'silent' }),
  );
}
