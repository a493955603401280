// `rfm backfill --promote <namespace>`: makes a backfilled namespace the live state
// of a deployment. It records, in the deployment's live pointer, the namespace and
// the offsets its state stands at; the live processor (src/stream/live-runner.ts)
// carries the move out, at once if it runs, else when it starts.
import { Kafka } from 'kafkajs';
import { type Config, createRedis, kafkaClientConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { readBackfillRecord, writeBackfillRecord } from '../state/backfill-record.js';
import { Keys } from '../state/keys.js';
import { LivePointer, type Promotion } from '../state/live-pointer.js';
import { committedOffsets } from './backfill.js';

export interface PromotionResult {
  promotion: Promotion;
  /** The namespace the live processor wrote before. */
  previous: string;
  /**
   * `switched`: the running live processor has moved; `at-start`: no live
   * processor runs, `rfm run` moves when it starts; `pending`: one runs but had
   * not moved when the wait ended (it first catches up to the promoted offsets).
   */
  outcome: 'switched' | 'at-start' | 'pending';
}

export async function promote(
  config: Readonly<Config>,
  namespace: string,
  { waitMs }: { waitMs: number },
  logger: Logger,
): Promise<PromotionResult> {
  const topic = config.topics.orders;
  const deployment = config.namespace;
  const redis = createRedis(config, { maxRetriesPerRequest: 3 });
  const admin = new Kafka(kafkaClientConfig(config, kafkaLogging(logger))).admin();
  try {
    await admin.connect();
    const pointer = new LivePointer(redis, new Keys(deployment));
    const live = await pointer.read();
    const target = new Keys(namespace);
    const record = await readBackfillRecord(redis, target);
    if (!record) {
      throw new ConfigError(
        `namespace ${namespace} was not filled by \`rfm backfill\`: run \`rfm backfill --namespace ${namespace}\` first`,
      );
    }
    if (record.topic !== topic) {
      throw new ConfigError(
        `namespace ${namespace} was built from topic ${record.topic}, but the live processor reads ${topic}`,
      );
    }
    if (live.namespace === namespace) {
      throw new ConfigError(`namespace ${namespace} is already the live state of ${deployment}`);
    }
    const liveRunning = await hasMembers(admin, config.groupId);
    if (live.pending && liveRunning) {
      throw new ConfigError(
        `the live processor (group ${config.groupId}) is moving to ${live.pending.namespace}: wait until it has`,
      );
    }
    if (await hasMembers(admin, record.group)) {
      throw new ConfigError(
        `the backfill into ${namespace} (group ${record.group}) is still running: stop it first (Ctrl-C); it can resume later`,
      );
    }

    // A partition the backfill committed nothing on holds nothing past its origin in the state.
    const committed = await committedOffsets(admin, record.group, topic);
    const offsets = record.origin
      .map(({ partition, offset }) => ({ partition, offset: committed.get(partition) ?? offset }))
      .sort((a, b) => a.partition - b.partition);
    const promotion: Promotion = { namespace, topic, offsets, promotedAt: Date.now() };
    await writeBackfillRecord(redis, target, { ...record, promotedTo: deployment });
    await pointer.promote(promotion);
    logger.info({ deployment, namespace, offsets }, 'promoted');
    if (!liveRunning) return { promotion, previous: live.namespace, outcome: 'at-start' };

    const deadline = Date.now() + waitMs;
    for (;;) {
      const now = await pointer.read();
      if (now.namespace === namespace && !now.pending) {
        return { promotion, previous: live.namespace, outcome: 'switched' };
      }
      if (Date.now() >= deadline) return { promotion, previous: live.namespace, outcome: 'pending' };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
    redis.disconnect();
  }
}

async function hasMembers(admin: ReturnType<Kafka['admin']>, groupId: string): Promise<boolean> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups.some((g) => g.members.length > 0);
}
