// Item 4: one consumer group scaled 1 -> 3 -> 2 processes mid-stream (two join,
// then one is stopped with SIGTERM, as a scale-down does). The state must be the
// reference's and the outputs the clean run's, with no double counting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Baseline } from './support/outcome.js';
import type { ProcessorProcess } from './support/processor.js';
import {
  baseline,
  conclude,
  expectNoCustomerIds,
  Fleet,
  processingTimeoutMs,
  progress,
  randomFor,
} from './support/scenario.js';
import { FaultStack, suite } from './support/stack.js';

describe('a consumer group scaled 1 -> 3 -> 2', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('scale');
    await stack.load(await stack.prepareTopics());
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it('ends in the reference state with every expected event id, nothing counted twice', async () => {
    const random = randomFor(4);
    const total = suite().events;
    const started = Date.now();
    const recovery: number[] = [];
    /** Seconds from `at` to the group's next commit. */
    const resumed = async (at: number, committed: number) => {
      let when: number | null = null;
      await fleet.waitFor(
        'progress after rescaling',
        () => {
          when = fleet.monitor.progressedAfter(at, committed);
          return when !== null || fleet.monitor.lastCommitted >= total;
        },
        processingTimeoutMs(),
      );
      if (when !== null) recovery.push((when - at) / 1000);
    };

    const first = await fleet.start();
    await fleet.waitCommitted(Math.floor((0.15 + 0.2 * random()) * total), processingTimeoutMs());
    let committed = (await fleet.monitor.committed()) as number;
    const upAt = Date.now();
    const joined = [await fleet.start(), await fleet.start()];
    progress(`scaled 1 -> 3 at ${committed} of ${total} committed`);
    await resumed(upAt, committed);
    await Promise.all(joined.map((p) => p.waitReady(processingTimeoutMs())));
    progress(`all three in the group ${((Date.now() - upAt) / 1000).toFixed(1)} s after the scaling`);

    await fleet.waitCommitted(Math.floor((0.55 + 0.2 * random()) * total), processingTimeoutMs());
    const leaving = joined[1] as ProcessorProcess;
    committed = (await fleet.monitor.committed()) as number;
    const downAt = Date.now();
    expect(await leaving.kill('SIGTERM'), 'a scaled-down process exits cleanly').toBe(0);
    progress(
      `scaled 3 -> 2 at ${committed} of ${total} committed, in ${((Date.now() - downAt) / 1000).toFixed(1)} s`,
    );
    await resumed(downAt, committed);

    await Promise.all([first, joined[0] as ProcessorProcess].map((p) => p.finished(processingTimeoutMs())));
    await conclude(stack, expected, {
      order: 4,
      fault: 'consumer group scaled 1 → 3 → 2 (SIGTERM on scale-down)',
      runs: fleet.runs,
      recoverySeconds: recovery,
      seconds: (Date.now() - started) / 1000,
      notes: 'recovery: from the scaling to the group’s next commit',
    });
    expectNoCustomerIds(fleet.logs());
  });
});
