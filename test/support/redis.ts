// Redis clients for tests, on the Redis the tests use (test/support/stack-endpoints.ts):
// a single Redis, or a Redis Cluster with RFM_TEST_REDIS=cluster.
import type { RedisOptions } from 'ioredis';
import { createRedis } from '../../src/config/config.js';
import { shardsOf } from '../../src/state/clear-namespace.js';
import type { RedisClient } from '../../src/state/scripts.js';
import { stackEndpoints, testRedisEndpoint } from './stack-endpoints.js';

export function testRedis(options: RedisOptions = {}): RedisClient {
  const { url, cluster } = testRedisEndpoint();
  return createRedis({ redis: { url, cluster }, kafka: { clientId: 'rfm-test' } }, options);
}

/** A client of the stack's Redis Cluster, whatever RFM_TEST_REDIS says. */
export function clusterRedis(options: RedisOptions = {}): RedisClient {
  const url = stackEndpoints().redisClusterUrl;
  if (!url) throw new Error('the stack has no Redis Cluster: set REDIS_CLUSTER_URL');
  return createRedis({ redis: { url, cluster: true }, kafka: { clientId: 'rfm-test' } }, options);
}

/** Every key matching `pattern`, from every shard. */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of shardsOf(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 2000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys;
}
