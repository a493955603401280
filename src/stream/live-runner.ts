// `rfm run` as a deployment: the processor, writing the namespace the live pointer
// names, and moving to a promoted namespace without losing or double counting an
// order. It moves once its own committed offsets have reached the promoted
// state's (so every change before that point is on the live output topics), then
// stops at a batch boundary, places its consumer group at the promoted state's
// offsets, and starts again writing the promoted namespace.
import { type Admin, Kafka } from 'kafkajs';
import { type Config, createRedis, kafkaClientConfig } from '../config/config.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';
import { Keys } from '../state/keys.js';
import { LivePointer, type Promotion } from '../state/live-pointer.js';
import type { RedisClient } from '../state/scripts.js';
import { committedOffsets } from './backfill.js';
import { type ProcessorOps, type RunningProcessor, startProcessor } from './processor-runner.js';

export interface LiveProcessor extends RunningProcessor {
  /** The namespace it writes now. */
  readonly namespace: string;
}

export interface LiveOptions extends ProcessorOps {
  /** How often the live pointer is read. @default 1000 */
  watchMs?: number;
}

export async function startLive(
  config: Readonly<Config>,
  logger: Logger,
  { watchMs = 1000, ...ops }: LiveOptions = {},
): Promise<LiveProcessor> {
  const redis = createRedis(config, { maxRetriesPerRequest: null });
  // Through the logger: ioredis would print an unhandled one as plain text.
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'Redis connection error, retrying'));
  const admin = new Kafka(kafkaClientConfig(config, kafkaLogging(logger))).admin();
  try {
    return await startFollowing(config, logger, watchMs, ops, redis, admin);
  } catch (error) {
    // Not started (refused credentials, a topic missing): let go of the clients, so the process can exit.
    redis.disconnect();
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
}

async function startFollowing(
  config: Readonly<Config>,
  logger: Logger,
  watchMs: number,
  ops: ProcessorOps,
  redis: RedisClient,
  admin: Admin,
): Promise<LiveProcessor> {
  const topic = config.topics.orders;
  const pointer = new LivePointer(redis, new Keys(config.namespace));
  await admin.connect();

  /** Whether the live group has processed everything before the promoted state's offsets. */
  const reached = async (promotion: Promotion): Promise<boolean> => {
    const committed = await committedOffsets(admin, config.groupId, topic);
    if (committed.size === 0) return true;
    return promotion.offsets.every((o) => (committed.get(o.partition) ?? 0) >= o.offset);
  };
  /** Offsets first: a crash before the pointer moves leaves the promotion pending, to be done again. */
  const moveTo = async (promotion: Promotion): Promise<void> => {
    await admin.setOffsets({
      groupId: config.groupId,
      topic,
      partitions: promotion.offsets.map((o) => ({ partition: o.partition, offset: String(o.offset) })),
    });
    await pointer.completeSwitch(promotion);
    logger.info(
      { namespace: promotion.namespace, offsets: promotion.offsets },
      'moved to the promoted namespace',
    );
  };
  const applicable = (promotion: Promotion | null, current: string): promotion is Promotion => {
    if (!promotion || promotion.namespace === current) return false;
    if (promotion.topic === topic) return true;
    logger.error(
      { promoted: promotion.namespace, its: promotion.topic, ours: topic },
      'the promoted namespace was built from another topic: not moving to it',
    );
    return false;
  };

  const start = await pointer.read();
  let namespace = start.namespace;
  if (applicable(start.pending, namespace) && (await reached(start.pending))) {
    await moveTo(start.pending);
    await redis.del(new Keys(namespace).writer());
    namespace = start.pending.namespace;
  }
  // Tells a backfill that this namespace has a writer already (src/stream/backfill.ts).
  const claim = (target: string) => redis.set(new Keys(target).writer(), config.groupId);
  await claim(namespace);
  let processor = await startProcessor({ ...config, namespace }, logger, ops);
  const earlier = { records: 0, deadLetters: 0, changes: 0 };

  let stopping = false;
  let switching: Promise<void> = Promise.resolve();
  const follow = async () => {
    const { pending } = await pointer.read();
    if (stopping || !applicable(pending, namespace) || !(await reached(pending))) return;
    logger.info({ from: namespace, to: pending.namespace }, 'switching to the promoted namespace');
    await processor.stop();
    for (const key of Object.keys(earlier) as (keyof typeof earlier)[]) earlier[key] += processor.stats[key];
    await moveTo(pending);
    await redis.del(new Keys(namespace).writer());
    namespace = pending.namespace;
    await claim(namespace);
    processor = await startProcessor({ ...config, namespace }, logger, ops);
  };
  const watcher = setInterval(() => {
    switching = switching
      .then(follow)
      .catch((error: unknown) =>
        logger.error({ err: error }, 'following the live pointer failed, will retry'),
      );
  }, watchMs);

  const stats = {
    get records() {
      return earlier.records + processor.stats.records;
    },
    get deadLetters() {
      return earlier.deadLetters + processor.stats.deadLetters;
    },
    get changes() {
      return earlier.changes + processor.stats.changes;
    },
  };

  return {
    get namespace() {
      return namespace;
    },
    stats,
    customer: (customerId) => processor.customer(customerId),
    kpis: () => processor.kpis(),
    /** Idle, and no promotion it could carry out is pending. */
    async idle(pollMs = 500) {
      for (;;) {
        const current = processor;
        try {
          await current.idle(pollMs);
        } catch (error) {
          // Stopped under it by a switch: go on with the processor that replaced it.
          await switching;
          if (current === processor) throw error;
          continue;
        }
        await switching;
        if (current !== processor) continue;
        const { pending } = await pointer.read();
        if (!pending || pending.namespace === namespace || pending.topic !== topic) return;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    async stop() {
      stopping = true;
      clearInterval(watcher);
      await switching;
      await processor.stop();
      await admin.disconnect();
      redis.disconnect();
    },
  };
}
