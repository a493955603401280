// Whether Redis can serve every key now: the readiness probe's Redis check.
import type { Cluster } from 'ioredis';
import { RfmError } from '../errors.js';
import { shardsOf } from './clear-namespace.js';
import type { RedisClient } from './scripts.js';

/**
 * Resolves when the one Redis answers, or, on a cluster, when the cluster says
 * every slot is served and every master the client knows answers; rejects
 * otherwise. A PING alone would go to any one node of a cluster, and answer
 * while another master, and the customers it holds, is away.
 */
export async function checkRedis(redis: RedisClient): Promise<void> {
  if (!redis.isCluster) {
    await redis.ping();
    return;
  }
  const info = String(await (redis as Cluster).cluster('INFO'));
  if (!/cluster_state:ok/.test(info)) {
    throw new RfmError(
      'REDIS_UNAVAILABLE',
      'the Redis Cluster does not serve every slot (cluster_state is not ok)',
    );
  }
  await Promise.all(shardsOf(redis).map((node) => node.ping()));
}
