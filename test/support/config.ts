// A configuration for one integration test: the stack's endpoints and topic,
// namespace and group names no other test uses.
import { type Config, type ConfigOverrides, loadConfig } from '../../src/config/config.js';
import { uniqueName } from './kafka.js';
import { stackEndpoints, testRedisEndpoint } from './stack-endpoints.js';

export function testConfig(prefix: string, overrides: ConfigOverrides = {}): Readonly<Config> {
  const stack = stackEndpoints();
  const redis = testRedisEndpoint(stack);
  const base = uniqueName(prefix);
  return loadConfig(
    {
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      REDIS_URL: redis.url,
      REDIS_CLUSTER: String(redis.cluster),
    },
    {
      namespace: base,
      groupId: `${base}-group`,
      logLevel: 'silent',
      ...overrides,
      topics: {
        orders: `${base}.orders`,
        segmentChanges: `${base}.segments`,
        churnRisk: `${base}.churn`,
        dlq: `${base}.dlq`,
        ...overrides.topics,
      },
    },
  );
}
