// Item 6: SIGTERM while a batch is being processed, at random points: the
// processor finishes the step in hand, commits and exits 0 within the grace
// period; restarted, it loses nothing and counts nothing twice.
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

const SIGTERMS = 3;
/** deploy/k8s/deployment.yaml: terminationGracePeriodSeconds. */
const GRACE_MS = 30_000;

describe('SIGTERM during a batch', () => {
  let expected: Baseline;
  let stack: FaultStack;
  let fleet: Fleet;

  beforeAll(async () => {
    expected = await baseline();
    stack = await FaultStack.start('sigterm');
    await stack.load(await stack.prepareTopics());
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await stack?.stop();
  });

  it(`exits cleanly within ${GRACE_MS / 1000} s each of ${SIGTERMS} times, and the restarted runs lose nothing`, async () => {
    const random = randomFor(6);
    const total = suite().events;
    const points = Array.from({ length: SIGTERMS }, () => 0.1 + 0.75 * random()).sort((a, b) => a - b);
    const started = Date.now();
    const processor = await fleet.start();
    const exits: number[] = [];
    const recovery: number[] = [];
    let finalCommits = 0;
    for (const point of points) {
      await fleet.waitCommitted(Math.floor(point * total), processingTimeoutMs());
      // Just after a commit, with the next step under way.
      const before = fleet.monitor.lastCommitted;
      await fleet.waitFor('a commit', () => fleet.monitor.lastCommitted > before, processingTimeoutMs());
      await sleep(random() * 500);
      const signalled = (await fleet.monitor.committed()) as number;
      const termAt = Date.now();
      const code = await processor.kill('SIGTERM', GRACE_MS + 30_000);
      const exitMs = Date.now() - termAt;
      exits.push(exitMs / 1000);
      const committed = (await fleet.monitor.committed()) as number;
      if (committed > signalled) finalCommits += 1;
      progress(
        `SIGTERM at ${signalled} committed: exit ${code} in ${(exitMs / 1000).toFixed(1)} s, ${committed} committed`,
      );
      expect(code, 'exit status after SIGTERM').toBe(0);
      expect(exitMs, 'exit within the grace period').toBeLessThan(GRACE_MS);
      const restartedAt = Date.now();
      fleet.restart(processor);
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
    const lines = processor.logLines();
    expect(lines.filter((l) => l.msg === 'processor stopped').length).toBe(SIGTERMS + 1);
    await conclude(stack, expected, {
      order: 6,
      fault: `SIGTERM ×${SIGTERMS} during a batch, restarted`,
      runs: fleet.runs,
      recoverySeconds: recovery,
      seconds: (Date.now() - started) / 1000,
      notes: `exit in ${exits.map((s) => s.toFixed(1)).join(', ')} s (status 0, grace 30 s); the step in hand committed on the way out ${finalCommits} of ${SIGTERMS} times; recovery: restart to the next commit`,
    });
    expectNoCustomerIds(fleet.logs());
  });
});
