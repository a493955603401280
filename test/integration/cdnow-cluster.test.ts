// Scale-out on the engines users already run: CDNOW_master through Kafka, read by
// three processors in one consumer group, with the state in a 3-master Redis
// Cluster. Every customer must end in the reference's state and segments, and
// the state must be spread over every shard.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProcessor, startProcessor } from '../../src/stream/processor-runner.js';
import { expectCdnowReferenceState } from '../support/cdnow-reference.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { testKafka } from '../support/kafka.js';
import { clusterRedis, scanKeys } from '../support/redis.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { importPreset, setUpTopics } from '../support/topics.js';

const PARTITIONS = 6;
const PROCESSES = 3;
const clusterUrl = stackEndpoints().redisClusterUrl;

describe.skipIf(!clusterUrl)('CDNOW_master, three processors, Redis Cluster', () => {
  const config = testConfig('cdnow-cluster', {
    topics: { partitions: PARTITIONS },
    redis: { url: clusterUrl, cluster: true },
  });
  const redis = clusterRedis();
  let processors: RunningProcessor[] = [];

  beforeAll(async () => {
    await setUpTopics(config);
    expect((await importPreset(config, 'cdnow')).sent).toBe(69_659);
    const started = performance.now();
    for (let i = 0; i < PROCESSES; i++)
      processors.push(await startProcessor(config, pino({ level: 'error' })));
    await caughtUp(config.groupId, config.topics.orders, 900_000);
    await Promise.all(processors.map((p) => p.idle()));
    await Promise.all(processors.map((p) => p.stop()));
    const seconds = (performance.now() - started) / 1000;
    const changes = processors.reduce((sum, p) => sum + p.stats.changes, 0);
    const records = processors.map((p) => p.stats.records);
    console.log(
      `[cdnow-cluster] ${PROCESSES} processors, ${PARTITIONS} partitions: 69,659 orders in ${seconds.toFixed(1)} s, records per processor ${records.join('/')}, ${changes} changes`,
    );
    processors = [];
  }, 1_200_000);

  afterAll(async () => {
    await Promise.all(processors.map((p) => p.stop()));
    await dropNamespace(redis, config.namespace);
    redis.disconnect();
  });

  it('has every customer in the state and segments of the reference, with zero mismatches', async () => {
    await expectCdnowReferenceState(redis, config, PARTITIONS);
  });

  it('spreads the state over every master of the cluster', async () => {
    const masters = (redis as import('ioredis').Cluster).nodes('master');
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(
      masters.map(async (node) => (await scanKeys(node, `${config.namespace}:c:*`)).length),
    );
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(23_570);
    for (const count of perMaster) expect(count).toBeGreaterThan(23_570 / 6);
  });
});

/** Waits until the group has committed every record of the topic. */
async function caughtUp(groupId: string, topic: string, timeoutMs: number): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const behind = (committed?.partitions ?? []).filter((p) => p.offset !== ends.get(p.partition));
      if (committed && committed.partitions.length === ends.size && behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`the group had not caught up after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } finally {
    await admin.disconnect();
  }
}
