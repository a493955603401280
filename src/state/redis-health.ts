// Whether Redis can serve every key now: the readiness probe's Redis check.
import type { Cluster } from 'ioredis';
import { RfmError } from '../errors.js';
import type { RedisClient } from './scripts.js';

/**
 * Resolves when the one Redis answers, or, on a cluster, when the cluster says
 * every slot is served and every master that serves slots answers; rejects
 * otherwise. A PING alone would go to any one node of a cluster, and answer
 * while another master, and the customers it holds, is away; and the cluster
 * itself says so only after its node timeout (15 s by default).
 */
export async function checkRedis(redis: RedisClient): Promise<void> {
  if (!redis.isCluster) {
    await redis.ping();
    return;
  }
  const cluster = redis as Cluster;
  const info = String(await cluster.cluster('INFO'));
  if (!/cluster_state:ok/.test(info)) {
    throw new RfmError(
      'REDIS_UNAVAILABLE',
      'the Redis Cluster does not serve every slot (cluster_state is not ok)',
    );
  }
  const slots = await cluster.cluster('SLOTS');
  const masters = new Set(slots.flatMap(([, , master]) => (master ? [`${master[0]}:${master[1]}`] : [])));
  const connected = new Map(
    cluster.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]),
  );
  await Promise.all(
    [...masters].map((address) => {
      const node = connected.get(address);
      if (!node)
        throw new RfmError('REDIS_UNAVAILABLE', `the Redis Cluster master ${address} is not connected`);
      return node.ping();
    }),
  );
}
