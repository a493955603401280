// Item 3: the Kafka broker killed mid-stream, kept away 20 s, restarted. The
// processor stays up, reports not-ready, and resumes by itself.
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

describe('Kafka unavailable for 20 s', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('kafka');
    await stack.load(await stack.prepareTopics());
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it('pauses, reports not-ready, resumes: nothing lost, nothing counted twice', async () => {
    const random = randomFor(3);
    const total = suite().events;
    const started = Date.now();
    const processor = await fleet.start();
    await fleet.waitCommitted(Math.floor((0.2 + 0.5 * random()) * total), processingTimeoutMs());
    await processor.waitReady();
    const committed = (await fleet.monitor.committed()) as number;
    const stoppedAt = Date.now();
    await stack.kafka.stop('SIGKILL');
    progress(`Kafka killed at ${committed} of ${total} committed`);
    await sleep(OUTAGE_MS);
    const startedAgainAt = Date.now();
    await stack.kafka.start();
    const restartedAt = Date.now();
    progress(`Kafka restarted, serving after ${((restartedAt - startedAgainAt) / 1000).toFixed(1)} s`);
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
    const notReadyAt = fleet.monitor.readinessAfter(processor.name, stoppedAt, false);
    expect(notReadyAt, 'reported not-ready').not.toBeNull();
    expect((notReadyAt as number) - stoppedAt).toBeLessThan(10_000);
    // Up to the broker's start: a starting broker takes clients before the harness
    // sees it serve (its log line, then its port), and the processor may be ready by then.
    const duringOutage = fleet.monitor.samples.filter(
      (s) => s.at > (notReadyAt as number) && s.at < startedAgainAt,
    );
    const readyDuring = duringOutage.filter((s) => s.ready[processor.name] !== false);
    expect(
      readyDuring.map((s) => `ready ${((s.at - stoppedAt) / 1000).toFixed(1)} s after the kill`),
      'ready while the broker was down',
    ).toEqual([]);

    await processor.finished(processingTimeoutMs());
    await conclude(stack, expected, {
      order: 3,
      fault: 'Kafka broker SIGKILL, away 20 s, restarted',
      runs: fleet.runs,
      recoverySeconds: [((resumedAt as unknown as number) - restartedAt) / 1000],
      seconds: (Date.now() - started) / 1000,
      notes: `not ready ${(((notReadyAt as number) - stoppedAt) / 1000).toFixed(1)} s after the kill, ready again ${(((readyAt as unknown as number) - restartedAt) / 1000).toFixed(1)} s after the broker serves again; recovery: from then to the next commit`,
    });
    expectNoCustomerIds(fleet.logs());
  });
});
