// Deletes every key of a namespace: for starting a namespace afresh (`rfm demo`).
import type { Cluster, Redis } from 'ioredis';
import type { Keys } from './keys.js';
import type { RedisClient } from './scripts.js';

/** Deletes the namespace's keys, a scan page at a time, on every shard. Returns how many there were. */
export async function clearNamespace(redis: RedisClient, keys: Keys): Promise<number> {
  let deleted = 0;
  for (const node of shardsOf(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', keys.pattern(), 'COUNT', 1000);
      cursor = next;
      // One UNLINK a key, in one pipeline to the node that holds them: a page's
      // keys are in many hash slots on a cluster, and a command may name only one.
      const pipeline = node.pipeline();
      for (const key of found) pipeline.unlink(key);
      for (const [error, count] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        deleted += count as number;
      }
    } while (cursor !== '0');
  }
  return deleted;
}

/** The connections that together hold every key: the masters of a cluster, or the one Redis. */
export function shardsOf(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}
