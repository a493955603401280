// `npm run bench` at a small size, so the benchmark keeps working: the compiled
// benchmark against the real stack, every measurement it reports present and
// sane, and nothing of it left behind in Kafka or Redis.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/report.js';
import { testKafka } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const redis = new Redis(stackEndpoints().redisUrl);
afterAll(() => redis.quit());

describe('npm run bench', () => {
  it('measures raw consumption, the processor, the ceiling of its outputs, a backfill, history length and latency in one run', async () => {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
    const output = join(mkdtempSync(join(tmpdir(), 'rfm-bench-')), 'bench.json');
    const stack = stackEndpoints();
    const topicsBefore = new Set(await listTopics());
    const { stdout } = await run(
      process.execPath,
      [
        'dist/bench/main.js',
        '--orders',
        '3000',
        '--customers',
        '400',
        '--partitions',
        '3',
        '--history-orders',
        '1000',
        '--latency-seconds',
        '4',
        '--output',
        output,
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          KAFKA_BROKERS: stack.kafkaBrokers,
          SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
          REDIS_URL: stack.redisUrl,
        },
        timeout: 600_000,
      },
    );
    const result = JSON.parse(readFileSync(output, 'utf8')) as BenchResult;

    expect(result.produce?.orders).toBe(3000);
    expect(result.raw?.rate).toBeGreaterThan(0);
    expect(result.processor?.rate).toBeGreaterThan(0);
    expect(result.processor?.ratioToRaw).toBeCloseTo(
      (result.processor?.rate ?? 0) / (result.raw?.rate ?? 1),
      6,
    );
    expect(result.processor?.batches).toBeGreaterThan(0);
    expect(result.processor?.batchP99Ms).toBeGreaterThanOrEqual(result.processor?.batchP50Ms ?? Number.NaN);
    expect(result.processor?.peakRssMb).toBeGreaterThan(20);
    expect(result.processor?.redisCommandsPerEvent).toBeGreaterThan(0);
    expect(result.processor?.redisRoundTripsPerBatch).toBeGreaterThan(0);
    expect(result.processor?.ticks).toBeGreaterThan(300);
    // (a′): (b)'s outputs published again; its ceiling is that rate over the outputs per order.
    const changesOut = result.processor?.changesOut ?? 0;
    expect(changesOut).toBeGreaterThan(0);
    expect(result.publish?.records).toBe(Math.min(300_000, changesOut));
    expect(result.publish?.outputsPerEvent).toBeCloseTo(changesOut / 3000, 6);
    expect(result.publish?.ceilingEventsPerSecond).toBeCloseTo(
      (result.publish?.rate ?? 0) / (result.publish?.outputsPerEvent ?? 1),
      6,
    );
    expect(result.publish?.ceilingRatioToRaw).toBeCloseTo(
      (result.publish?.ceilingEventsPerSecond ?? 0) / (result.raw?.rate ?? 1),
      6,
    );
    expect(result.backfill?.rate).toBeGreaterThan(0);
    expect(result.memory?.customers).toBe(result.produce?.customers);
    expect(result.memory?.bytesPerCustomer).toBeGreaterThan(50);
    expect(result.memory?.bytesPerCustomerUpTo10Orders).toBeGreaterThan(50);
    expect(result.history?.oneOrderRate).toBeGreaterThan(0);
    expect(result.history?.twoHundredOrdersRate).toBeGreaterThan(0);
    expect(result.latency?.measured).toBeGreaterThan(0);
    expect(result.latency?.p99Ms).toBeGreaterThanOrEqual(result.latency?.p50Ms ?? Number.NaN);
    expect(result.targets?.map((t) => t.name)).toHaveLength(6);
    for (const line of [
      '(a) raw kafkajs consume',
      '(b) processor',
      "(a′) raw kafkajs publish of (b)'s outputs",
      '(c) backfill',
      'latency at 20% load',
    ]) {
      expect(stdout).toContain(line);
    }

    // It cleans up after itself: no bench topic, no key of its namespaces.
    const left = (await listTopics()).filter((t) => !topicsBefore.has(t) && t.startsWith(result.runId));
    expect(left).toEqual([]);
    expect(await redis.keys(`${result.runId}*`)).toEqual([]);
  }, 600_000);
});

async function listTopics(): Promise<string[]> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}
