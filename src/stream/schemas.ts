// The Avro schemas of schemas/*.avsc and their subjects in the registry
// (TopicNameStrategy: `<topic>-value`): loading, registering, looking up.
import { readFileSync } from 'node:fs';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Config } from '../config/config.js';
import { ConfigError, RfmError } from '../errors.js';

export const SCHEMA_FILES = {
  orderEvent: 'order-event.avsc',
  segmentChange: 'segment-change.avsc',
  churnRisk: 'churn-risk.avsc',
} as const;

export type SchemaName = keyof typeof SCHEMA_FILES;
export type SchemaIds = Record<SchemaName, number>;

/**
 * schemas/ at the package root. This file is two levels below the root both as
 * src/stream/schemas.ts (under vitest) and as dist/stream/schemas.js (built),
 * and the package ships schemas/ beside dist/.
 */
const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

/** The parsed JSON of one schema file. */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(SCHEMA_FILES[name], SCHEMAS_DIR), 'utf8'));
}

/** The registry subject of each schema: its topic's value subject. */
export function subjectsOf(topics: Config['topics']): Record<SchemaName, string> {
  return {
    orderEvent: `${topics.orders}-value`,
    segmentChange: `${topics.segmentChanges}-value`,
    churnRisk: `${topics.churnRisk}-value`,
  };
}

export function createSchemaRegistry(config: Pick<Config, 'schemaRegistry' | 'kafka'>): SchemaRegistry {
  const { url, username, password } = config.schemaRegistry;
  return new SchemaRegistry({
    host: url,
    clientId: config.kafka.clientId,
    ...(username === undefined || password === undefined ? {} : { auth: { username, password } }),
  });
}

/**
 * Registers the schemas under their subjects with BACKWARD compatibility and
 * returns their ids. Registering a schema a subject already has returns its
 * existing id, so running this again changes nothing.
 */
export async function registerSchemas(
  registry: SchemaRegistry,
  config: Pick<Config, 'topics'>,
): Promise<SchemaIds> {
  const subjects = subjectsOf(config.topics);
  const ids: Partial<SchemaIds> = {};
  for (const name of Object.keys(SCHEMA_FILES) as SchemaName[]) {
    try {
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(loadSchema(name)) },
        { subject: subjects[name], compatibility: COMPATIBILITY.BACKWARD },
      );
      ids[name] = id;
    } catch (error) {
      throw registryError(error, `registering ${SCHEMA_FILES[name]} under ${subjects[name]}`);
    }
  }
  return ids as SchemaIds;
}

/**
 * The ids of this version's schemas, for a process that must not register them
 * itself (the processor in production usually has read-only registry access).
 * @throws RfmError SCHEMA_NOT_REGISTERED when `rfm topics` has not run.
 */
export async function lookupSchemaIds(
  registry: SchemaRegistry,
  config: Pick<Config, 'topics'>,
): Promise<SchemaIds> {
  const subjects = subjectsOf(config.topics);
  const ids: Partial<SchemaIds> = {};
  for (const name of Object.keys(SCHEMA_FILES) as SchemaName[]) {
    try {
      ids[name] = await registry.getRegistryIdBySchema(subjects[name], {
        type: SchemaType.AVRO,
        schema: JSON.stringify(loadSchema(name)),
      });
    } catch (error) {
      // The client turns the registry's 404 into a plain error without a status.
      if (error instanceof Error && error.name === 'ConfluentSchemaRegistryError') {
        throw new RfmError(
          'SCHEMA_NOT_REGISTERED',
          `${SCHEMA_FILES[name]} is not registered under ${subjects[name]}: run \`rfm topics\``,
          { cause: error },
        );
      }
      throw registryError(error, `looking up ${subjects[name]}`);
    }
  }
  return ids as SchemaIds;
}

/** An RfmError for a failed registry call, retriable unless the registry gave a definite answer. */
export function registryError(error: unknown, doing: string): RfmError {
  if (error instanceof RfmError) return error;
  const status = (error as { status?: unknown })?.status;
  const detail = error instanceof Error ? error.message : String(error);
  if (status === 401 || status === 403) {
    return new ConfigError(
      `the schema registry refused the credentials while ${doing} (${detail}): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD`,
      { cause: error },
    );
  }
  if (status === 409 || status === 422 || (error instanceof Error && /Compatibility/.test(error.name))) {
    return new RfmError(
      'SCHEMA_REJECTED',
      `the schema registry refused the schema while ${doing}: ${detail}`,
      {
        cause: error,
      },
    );
  }
  return new RfmError('SCHEMA_REGISTRY_UNAVAILABLE', `schema registry error while ${doing}: ${detail}`, {
    cause: error,
  });
}
