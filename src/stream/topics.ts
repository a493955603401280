// The topics rfm-stream reads and writes: what they should look like, and
// creating the missing ones (never altering one that exists).
import type { Admin, ITopicConfig } from 'kafkajs';
import type { Config } from '../config/config.js';
import { RfmError } from '../errors.js';

export interface TopicSpec {
  /** Which of the configured topics this is. */
  role: 'orders' | 'segmentChanges' | 'churnRisk' | 'dlq';
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface ExistingTopic extends TopicSpec {
  /** The partitions the topic has, which may differ from `numPartitions`. */
  actualPartitions: number;
}

export interface EnsureTopicsResult {
  created: TopicSpec[];
  existing: ExistingTopic[];
}

/**
 * Every topic with the configured partitions. The outputs and the DLQ get the
 * same count as the input, so a customer's output records stay as ordered as
 * its input records, and a DLQ partition mirrors one input partition.
 */
export function topicSpecs(config: Pick<Config, 'topics'>): TopicSpec[] {
  const { partitions, replicationFactor } = config.topics;
  return (['orders', 'segmentChanges', 'churnRisk', 'dlq'] as const).map((role) => ({
    role,
    topic: config.topics[role],
    numPartitions: partitions,
    replicationFactor,
  }));
}

/** Creates the topics that do not exist yet and describes the ones that do. Safe to run again. */
export async function ensureTopics(
  admin: Admin,
  config: Pick<Config, 'topics'>,
): Promise<EnsureTopicsResult> {
  const specs = topicSpecs(config);
  const present = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !present.has(spec.topic));
  const created: TopicSpec[] = [];
  // One topic per call: another process may create one of them meanwhile, and
  // kafkajs answers "already exists" (false) only when every topic of a call does.
  for (const spec of missing) {
    const { topic, numPartitions, replicationFactor } = spec;
    if (await createTopic(admin, { topic, numPartitions, replicationFactor })) created.push(spec);
  }
  const createdNames = new Set(created.map((spec) => spec.topic));
  const others = specs.filter((spec) => !createdNames.has(spec.topic));
  const existing: ExistingTopic[] = [];
  if (others.length > 0) {
    const { topics } = await admin.fetchTopicMetadata({ topics: others.map((spec) => spec.topic) });
    for (const spec of others) {
      const metadata = topics.find((t) => t.name === spec.topic);
      existing.push({ ...spec, actualPartitions: metadata?.partitions.length ?? 0 });
    }
  }
  return { created, existing };
}

/**
 * Creates one topic and waits for its partitions' leaders. kafkajs waits out
 * LEADER_NOT_AVAILABLE only; a broker that has created the topic but does not
 * show it in its metadata yet (UNKNOWN_TOPIC_OR_PARTITION, seen on a busy
 * machine) is waited out here. Returns false when the topic existed.
 */
async function createTopic(admin: Admin, topic: ITopicConfig): Promise<boolean> {
  try {
    return await admin.createTopics({ topics: [topic], waitForLeaders: true });
  } catch (error) {
    if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
  }
  for (const deadline = Date.now() + 30_000; ; ) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic.topic] });
      if (topics[0]?.partitions.every((p) => p.leader >= 0)) return true;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new RfmError('KAFKA_UNAVAILABLE', `topic ${topic.topic} has no leaders after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** @throws RfmError TOPIC_MISSING, naming the command that creates it. */
export async function requireTopic(admin: Admin, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new RfmError('TOPIC_MISSING', `topic ${topic} does not exist: create it with \`rfm topics\``);
  }
}
