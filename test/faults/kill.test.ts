// Item 1: the processor killed with SIGKILL at random points of a run (one of
// them while it is still starting up), restarted each time; the final state is
// the reference's and every expected output id is on the topics.
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

const KILLS = Number(process.env.RFM_FAULT_KILLS ?? 6);

describe('kill -9 of the processor', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('kill');
    await stack.load(await stack.prepareTopics());
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it(`at ${KILLS} random points, restarted each time: the reference state and every expected event id`, async () => {
    const random = randomFor(1);
    const total = suite().events;
    const points = Array.from({ length: KILLS }, () => 0.05 + 0.85 * random()).sort((a, b) => a - b);
    const duringStartUp = 1 + Math.floor(random() * (KILLS - 1));
    const started = Date.now();
    const processor = await fleet.start();
    const recovery: number[] = [];
    let kills = 0;
    for (const [i, point] of points.entries()) {
      if (i === duringStartUp) {
        // Killed again while it joins the group and restores its state.
        await sleep(500 + random() * 3_500);
      } else {
        await fleet.waitCommitted(Math.floor(point * total), processingTimeoutMs());
        // Off the commit: somewhere inside the work of the next step, while some is left.
        await sleep(random() * Math.min(2_000, fleet.monitor.timeLeft(total) / 2));
      }
      expect(processor.running, 'still running at a kill point').toBe(true);
      await processor.kill('SIGKILL');
      kills += 1;
      const committed = (await fleet.monitor.committed()) ?? 0;
      progress(`kill ${kills}: SIGKILL at ${committed} of ${total} committed`);
      const restartedAt = Date.now();
      fleet.restart(processor);
      if (i + 1 === duringStartUp) continue;
      let resumedAt: number | null = null;
      await fleet.waitFor(
        'progress after the restart',
        () => {
          resumedAt = fleet.monitor.progressedAfter(restartedAt, committed);
          return resumedAt !== null || fleet.monitor.lastCommitted >= total;
        },
        processingTimeoutMs(),
      );
      if (resumedAt !== null) recovery.push((resumedAt - restartedAt) / 1000);
    }
    await processor.finished(processingTimeoutMs());
    expect(kills).toBeGreaterThanOrEqual(5);
    await conclude(stack, expected, {
      order: 1,
      fault: `processor SIGKILL ×${kills} (one during start-up), restarted`,
      runs: fleet.runs,
      recoverySeconds: recovery,
      seconds: (Date.now() - started) / 1000,
      notes: 'recovery: restart to the first commit past the kill point',
    });
    expectNoCustomerIds(fleet.logs());
  });
});
