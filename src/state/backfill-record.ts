// What a namespace was backfilled from: the input topic, the consumer group whose
// committed offsets say how far it got, where it started, and whether it has
// been promoted (after which the live processor writes it, and no backfill may).
import type { Keys } from './keys.js';
import type { PartitionOffset } from './live-pointer.js';
import type { RedisClient } from './scripts.js';

export interface BackfillRecord {
  topic: string;
  group: string;
  /** 'beginning', or the epoch ms of `--from`. */
  from: 'beginning' | number;
  /** Per partition, the first offset the backfill read: where its progress counts from. */
  origin: PartitionOffset[];
  startedAt: number;
  /** The deployment (its configured namespace) this namespace was promoted to. */
  promotedTo?: string;
}

export async function readBackfillRecord(redis: RedisClient, keys: Keys): Promise<BackfillRecord | null> {
  const json = await redis.get(keys.backfill());
  return json ? (JSON.parse(json) as BackfillRecord) : null;
}

export async function writeBackfillRecord(
  redis: RedisClient,
  keys: Keys,
  record: BackfillRecord,
): Promise<void> {
  await redis.set(keys.backfill(), JSON.stringify(record));
}
