// Item 2: Redis killed mid-stream, kept away 20 s, restarted from its AOF. The
// processor stays up, stops committing, reports not-ready, and resumes by itself.
// On a Redis Cluster (RFM_FAULT_REDIS=cluster) the master holding the most keys
// is the one killed, restarted from its AOF with its nodes.conf.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Baseline } from './support/outcome.js';
import {
  baseline,
  conclude,
  expectNoCustomerIds,
  Fleet,
  processingTimeoutMs,
  progress,
  randomFor,
} from './support/scenario.js';
import { sleep } from './support/services.js';
import { FaultStack, suite } from './support/stack.js';

const OUTAGE_MS = 20_000;

describe('Redis unavailable for 20 s', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('redis');
    await stack.load(await stack.prepareTopics());
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it('pauses, reports not-ready, resumes: nothing lost, nothing counted twice', async () => {
    const random = randomFor(2);
    const total = suite().events;
    const started = Date.now();
    const processor = await fleet.start();
    await fleet.waitCommitted(Math.floor((0.2 + 0.5 * random()) * total), processingTimeoutMs());
    await processor.waitReady();
    const stoppedAt = Date.now();
    const killed = await stack.redis.kill();
    progress(`${killed} killed at ${fleet.monitor.lastCommitted} of ${total} committed`);
    await sleep(OUTAGE_MS);
    const committed = (await fleet.monitor.committed()) as number;
    const restartedAt = Date.now();
    await stack.redis.restart();
    progress(`${killed} restarted from its AOF`);
    let readyAt: number | null = null;
    let resumedAt: number | null = null;
    await fleet.waitFor(
      'ready and committing again',
      () => {
        readyAt = fleet.monitor.readinessAfter(processor.name, restartedAt, true);
        resumedAt = fleet.monitor.progressedAfter(restartedAt, committed);
        return (readyAt !== null && resumedAt !== null) || !processor.running;
      },
      processingTimeoutMs(),
    );
    expect(processor.running, 'the processor outlives the outage').toBe(true);
    // Not ready within a probe interval and timeout (5 s + 2 s) of the outage, and until Redis is back.
    const notReadyAt = fleet.monitor.readinessAfter(processor.name, stoppedAt, false);
    expect(notReadyAt, 'reported not-ready').not.toBeNull();
    expect((notReadyAt as number) - stoppedAt).toBeLessThan(10_000);
    const duringOutage = fleet.monitor.samples.filter(
      (s) => s.at > (notReadyAt as number) && s.at < restartedAt,
    );
    expect(duringOutage.every((s) => s.ready[processor.name] === false)).toBe(true);
    // Paused: nothing committed once the step in hand could no longer finish.
    const paused = fleet.monitor.committedBetween(stoppedAt + 5_000, restartedAt);
    expect(new Set(paused).size, 'commits while Redis was away').toBeLessThanOrEqual(1);

    await processor.finished(processingTimeoutMs());
    await conclude(stack, expected, {
      order: 2,
      fault: stack.redis.cluster
        ? 'Redis Cluster: a master SIGKILL, away 20 s, restarted from AOF'
        : 'Redis SIGKILL, away 20 s, restarted from AOF',
      runs: fleet.runs,
      recoverySeconds: [((resumedAt as unknown as number) - restartedAt) / 1000],
      seconds: (Date.now() - started) / 1000,
      notes: `not ready ${(((notReadyAt as number) - stoppedAt) / 1000).toFixed(1)} s after the kill, ready again ${(((readyAt as unknown as number) - restartedAt) / 1000).toFixed(1)} s after the restart; recovery: restart to the next commit`,
    });
    expectNoCustomerIds(fleet.logs());
  });
});
