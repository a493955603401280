// Provides the integration tests with a real Kafka, schema registry and Redis:
// the ones named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL when all are
// set; otherwise containers when a Docker engine answers; otherwise the local
// stack (deploy/local/stack), which this run stops again if it started it
// (set RFM_KEEP_STACK=1 to leave it running for the next run). The local stack
// runs a 3-master Redis Cluster beside the single Redis; REDIS_CLUSTER_URL names
// another one.
import type { TestProject } from 'vitest/node';
import { dockerAvailable, startContainers } from './containers.js';
import { localStackRunning, startLocalStack, stopLocalStack } from './local-stack.js';
import type { StackEndpoints } from './stack-endpoints.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL, REDIS_CLUSTER_URL } = process.env;
  if (KAFKA_BROKERS && SCHEMA_REGISTRY_URL && REDIS_URL) {
    provide(project, {
      kafkaBrokers: KAFKA_BROKERS,
      schemaRegistryUrl: SCHEMA_REGISTRY_URL,
      redisUrl: REDIS_URL,
      ...(REDIS_CLUSTER_URL ? { redisClusterUrl: REDIS_CLUSTER_URL } : {}),
      source: 'env',
    });
    return async () => {};
  }

  if (process.env.RFM_TEST_STACK !== 'local' && (await dockerAvailable())) {
    const containers = await startContainers();
    provide(project, containers.endpoints);
    return () => containers.stop();
  }

  const wasRunning = await localStackRunning();
  provide(project, await startLocalStack());
  return async () => {
    if (!wasRunning && process.env.RFM_KEEP_STACK !== '1') await stopLocalStack();
  };
}

function provide(project: TestProject, endpoints: StackEndpoints): void {
  const cluster = endpoints.redisClusterUrl
    ? `, redis cluster ${endpoints.redisClusterUrl}`
    : ', no redis cluster';
  console.log(
    `[stack] ${endpoints.source}: kafka ${endpoints.kafkaBrokers}, registry ${endpoints.schemaRegistryUrl}, redis ${endpoints.redisUrl}${cluster}`,
  );
  project.provide('stack', endpoints);
}
