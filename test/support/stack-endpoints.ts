// Where the integration tests find the real services, as global-setup provides it.
import { inject } from 'vitest';

export interface StackEndpoints {
  /** Comma-separated host:port list. */
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  redisUrl: string;
  /** A seed node of a Redis Cluster, when the stack has one (the local stack always does). */
  redisClusterUrl?: string;
  /** How the services were found: given by the environment, started in containers, or the local stack. */
  source: 'env' | 'testcontainers' | 'local-stack';
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

export function stackEndpoints(): StackEndpoints {
  return inject('stack');
}

export function brokers(stack: StackEndpoints = stackEndpoints()): string[] {
  return stack.kafkaBrokers.split(',').map((b) => b.trim());
}

/**
 * The Redis the integration tests use: the single one, or with
 * RFM_TEST_REDIS=cluster the stack's Redis Cluster.
 */
export function testRedisEndpoint(stack: StackEndpoints = stackEndpoints()): {
  url: string;
  cluster: boolean;
} {
  if (process.env.RFM_TEST_REDIS !== 'cluster') return { url: stack.redisUrl, cluster: false };
  if (!stack.redisClusterUrl) {
    throw new Error('RFM_TEST_REDIS=cluster, but the stack has no Redis Cluster: set REDIS_CLUSTER_URL');
  }
  return { url: stack.redisClusterUrl, cluster: true };
}
