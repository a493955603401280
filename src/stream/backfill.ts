// `rfm backfill`: replays the input topic into a namespace with a consumer group
// of its own, building that namespace's state and, when it emits, writing that
// namespace's output topics. Interrupted, it resumes from its group's committed
// offsets, which move only once the state before them is durable.
import { type Admin, Kafka } from 'kafkajs';
import { type Config, createRedis, kafkaClientConfig } from '../config/config.js';
import { ConfigError, RfmError } from '../errors.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { type BackfillRecord, readBackfillRecord, writeBackfillRecord } from '../state/backfill-record.js';
import { Keys } from '../state/keys.js';
import type { PartitionOffset } from '../state/live-pointer.js';
import type { RedisClient } from '../state/scripts.js';
import { type PopulationReport, populationReport } from '../state/views.js';
import { type RunningProcessor, startProcessor } from './processor-runner.js';
import { createSchemaRegistry, registerSchemas } from './schemas.js';
import { ensureTopics } from './topics.js';

export interface BackfillRequest {
  /**
   * Where a backfill that has not started yet begins: the topic's first record, or
   * the first record the broker stamped at or after a time (epoch ms). A backfill
   * that has started resumes where it stopped, and must be given the same start or none.
   * @default 'beginning'
   */
  from?: 'beginning' | number;
  /** Write segment changes, churn-risk changes and dead letters to the namespace's output topics. */
  emit: boolean;
}

export interface PartitionProgress {
  partition: number;
  /** The first offset the backfill read. */
  origin: number;
  /** The first offset not processed yet: everything before it is in the state. */
  position: number;
  /** The broker's end of the partition now. */
  end: number;
}

export interface RunningBackfill {
  readonly group: string;
  /** The topics it reads and, when emitting, writes. */
  readonly topics: Config['topics'];
  readonly record: BackfillRecord;
  /** Whether it went on from where an earlier run stopped. */
  readonly resumed: boolean;
  readonly processor: RunningProcessor;
  progress(): Promise<PartitionProgress[]>;
  /** The segment populations of the namespace now. */
  report(): Promise<PopulationReport>;
  /** Stops processing after the step in hand and commits: run again to resume. */
  stop(): Promise<void>;
  /** Disconnects what `progress` and `report` use; after `stop`. */
  close(): Promise<void>;
}

/** The consumer group of the backfill into `namespace`: its committed offsets are the backfill's progress. */
export function backfillGroup(config: Pick<Config, 'groupId'>, namespace: string): string {
  return `${config.groupId}.backfill.${namespace}`;
}

/**
 * The topics a namespace writes when it is not the live one: the configured
 * output and DLQ names, each behind the namespace and a dot
 * (`rfm-v2.rfm.segment-changes`). The input topic is the configured one.
 */
export function namespaceTopics(topics: Config['topics'], namespace: string): Config['topics'] {
  return {
    ...topics,
    segmentChanges: `${namespace}.${topics.segmentChanges}`,
    churnRisk: `${namespace}.${topics.churnRisk}`,
    dlq: `${namespace}.${topics.dlq}`,
  };
}

export async function startBackfill(
  config: Readonly<Config>,
  request: BackfillRequest,
  logger: Logger,
): Promise<RunningBackfill> {
  const topic = config.topics.orders;
  const keys = new Keys(config.namespace);
  const group = backfillGroup(config, config.namespace);
  const redis = createRedis(config, { maxRetriesPerRequest: 3 });
  const admin = new Kafka(kafkaClientConfig(config, kafkaLogging(logger))).admin();
  try {
    await admin.connect();
    const partitionCount = await partitionCountOf(admin, topic);
    const earlier = await readBackfillRecord(redis, keys);
    checkResumable(config.namespace, topic, request, earlier);
    await checkNoOtherWriter(admin, redis, config, keys, group);

    const resumed = (await committedOffsets(admin, group, topic)).size > 0;
    const from = request.from ?? earlier?.from ?? 'beginning';
    const record = earlier ?? {
      topic,
      group,
      from,
      origin: await originOf(admin, topic, from),
      startedAt: Date.now(),
    };
    if (!earlier) await writeBackfillRecord(redis, keys, record);
    // The consumer starts at the earliest offset by itself; a start time needs the group placed there.
    if (!resumed && record.from !== 'beginning') {
      await admin.setOffsets({
        groupId: group,
        topic,
        partitions: record.origin.map((o) => ({ partition: o.partition, offset: String(o.offset) })),
      });
    }

    const topics = request.emit ? namespaceTopics(config.topics, config.namespace) : config.topics;
    if (request.emit) await ensureTopics(admin, { topics: { ...topics, partitions: partitionCount } });
    // Idempotent; the processor then finds the schema ids by subject.
    await registerSchemas(createSchemaRegistry(config), { topics });
    const processor = await startProcessor({ ...config, groupId: group, topics }, logger, {
      emit: request.emit,
    });
    const scope = { redis, keys, topic, partitionCount, windowDays: config.windowDays };
    const origins = new Map(record.origin.map((o) => [o.partition, o.offset]));
    return {
      group,
      topics,
      record,
      resumed,
      processor,
      async progress() {
        const [ends, positions] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          committedOffsets(admin, group, topic),
        ]);
        return ends
          .map((end) => {
            const origin = origins.get(end.partition) ?? Number(end.low);
            return {
              partition: end.partition,
              origin,
              position: positions.get(end.partition) ?? origin,
              end: Number(end.high),
            };
          })
          .sort((a, b) => a.partition - b.partition);
      },
      report: () => populationReport(scope),
      stop: () => processor.stop(),
      async close() {
        await admin.disconnect();
        redis.disconnect();
      },
    };
  } catch (error) {
    await admin.disconnect();
    redis.disconnect();
    throw error;
  }
}

function checkResumable(
  namespace: string,
  topic: string,
  request: BackfillRequest,
  earlier: BackfillRecord | null,
): void {
  if (!earlier) return;
  if (earlier.promotedTo !== undefined) {
    throw new ConfigError(
      `namespace ${namespace} was promoted: the live processor of ${earlier.promotedTo} writes it now. Backfill into a new namespace`,
    );
  }
  if (earlier.topic !== topic) {
    throw new ConfigError(
      `namespace ${namespace} was backfilled from topic ${earlier.topic}, not ${topic}: give --orders-topic ${earlier.topic}, or another namespace`,
    );
  }
  if (request.from !== undefined && request.from !== earlier.from) {
    throw new ConfigError(
      `namespace ${namespace} is a backfill ${describeStart(earlier.from)}: resume it with that start or none, or backfill into another namespace`,
    );
  }
}

export function describeStart(from: 'beginning' | number): string {
  return from === 'beginning' ? 'from the beginning' : `from ${new Date(from).toISOString()}`;
}

/** A namespace has one writer: not a running live processor, nor a second backfill. */
async function checkNoOtherWriter(
  admin: Admin,
  redis: RedisClient,
  config: Readonly<Config>,
  keys: Keys,
  group: string,
): Promise<void> {
  const live = await redis.get(keys.writer());
  const { groups } = await admin.describeGroups(live ? [group, live] : [group]);
  for (const described of groups) {
    if (described.members.length === 0) continue;
    const who =
      described.groupId === group
        ? `another backfill into ${config.namespace} (group ${group}) is running`
        : `the live processor (group ${described.groupId}) writes namespace ${config.namespace}`;
    throw new ConfigError(`${who}: stop it first, or backfill into another namespace`);
  }
}

/** The group's committed offsets on `topic`, by partition; partitions without one are absent. */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(
    (committed?.partitions ?? [])
      .map((p) => [p.partition, Number(p.offset)] as const)
      .filter(([, offset]) => offset >= 0),
  );
}

export async function partitionCountOf(admin: Admin, topic: string): Promise<number> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new RfmError('TOPIC_MISSING', `input topic ${topic} does not exist: run \`rfm topics\``);
  }
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata[0]?.partitions.length ?? 0;
}

async function originOf(admin: Admin, topic: string, from: 'beginning' | number): Promise<PartitionOffset[]> {
  if (from === 'beginning') {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({
      partition: p.partition,
      offset: Number(p.low),
    }));
  }
  return (await admin.fetchTopicOffsetsByTimestamp(topic, from)).map((p) => ({
    partition: p.partition,
    offset: Number(p.offset),
  }));
}
