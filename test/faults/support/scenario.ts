// What every scenario shares: the clean run it is held to, a processor fleet on
// its stack, and the closing judgement (reference, clean run, output ids) that
// also writes its row of the results table.
import { expect } from 'vitest';
import { CUSTOMER_ID_PATTERN } from './dataset.js';
import { Monitor } from './monitor.js';
import {
  type Baseline,
  captureOutcome,
  doubleCountedOf,
  judge,
  loadBaseline,
  lostOf,
  type ResultRow,
  recordResult,
  saveBaseline,
  type Verdict,
} from './outcome.js';
import { ProcessorProcess } from './processor.js';
import { waitFor } from './services.js';
import { dataset, FaultStack, type StackClients, suite } from './stack.js';

/** How long a whole run may take: generous, as the machine is shared. */
export function processingTimeoutMs(): number {
  return Math.max(600_000, suite().events * 20);
}

export function progress(message: string): void {
  console.log(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** A group of `rfm run` processes on one stack, watched by a monitor. */
export class Fleet {
  readonly monitor: Monitor;
  readonly all: ProcessorProcess[] = [];

  constructor(
    readonly stack: StackClients,
    private readonly env: Record<string, string> = {},
  ) {
    this.monitor = new Monitor(
      () => stack.client(),
      stack.config.groupId,
      stack.config.topics.orders,
    ).start();
  }

  /** Starts another processor process; `name` defaults to p1, p2, ... */
  async start(name = `p${this.all.length + 1}`): Promise<ProcessorProcess> {
    const processor = await ProcessorProcess.create(name, { ...this.stack.env, ...this.env }, this.stack.dir);
    processor.start();
    this.all.push(processor);
    this.monitor.watch(processor);
    return processor;
  }

  /** A processor started again under the same name and port after it exited. */
  restart(processor: ProcessorProcess): void {
    processor.start();
    this.all.push(processor);
  }

  /**
   * Throws, with the end of its log, once a processor of the fleet has exited by
   * itself with a failure: waiting for progress would then only time out.
   */
  assertNoFailure(): void {
    for (const p of new Set(this.all)) {
      const code = p.daemon.exitCode;
      if (code !== null && code !== 0)
        throw new Error(`${p.name} exited with ${code}:\n${p.daemon.log().slice(-4000)}`);
    }
  }

  /** The group's committed total reaches `target`, while no processor has failed. */
  waitCommitted(target: number, timeoutMs: number): Promise<void> {
    return this.monitor.waitCommitted(target, timeoutMs, () => this.assertNoFailure());
  }

  /** `check` holds, while no processor has failed. */
  waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    return waitFor(
      what,
      () => {
        this.assertNoFailure();
        return check();
      },
      timeoutMs,
    );
  }

  get runs(): number {
    return this.all.length;
  }

  /** Every line every processor logged at info level or above. */
  logs(): string {
    return [...new Set(this.all)].map((p) => p.daemon.log()).join('\n');
  }

  async stop(): Promise<void> {
    await this.monitor.stop();
    for (const p of new Set(this.all)) if (p.running) await p.kill('SIGKILL');
  }
}

/** The clean run's outcome; runs it first (recording its row) when no scenario has yet. */
export async function baseline(): Promise<Baseline> {
  const existing = loadBaseline();
  if (existing) return existing;
  progress(`clean run: ${suite().events} events, no fault`);
  const stack = await FaultStack.start('clean');
  const fleet = new Fleet(stack);
  try {
    const codec = await stack.prepareTopics();
    await stack.load(codec);
    const started = Date.now();
    const processor = await fleet.start();
    await processor.finished(processingTimeoutMs());
    const seconds = (Date.now() - started) / 1000;
    const throughput = suite().events / seconds;
    progress(`clean run: ${seconds.toFixed(0)} s, ${throughput.toFixed(0)} events/s`);
    const outcome = await captureOutcome(stack);
    const verdict = await judge(stack, outcome, dataset().events, null);
    recordResult({
      order: 0,
      fault: 'none (the clean run the others are compared with)',
      runs: fleet.runs,
      events: suite().events,
      lost: lostOf(verdict),
      doubleCounted: doubleCountedOf(verdict),
      recoverySeconds: [],
      seconds,
      notes: `${throughput.toFixed(0)} events/s; ${verdict.outputRecords} output records`,
    });
    expectExact(verdict);
    expect(verdict.duplicates, 'a clean run publishes each change once').toBe(0);
    expectNoCustomerIds(fleet.logs());
    saveBaseline(outcome, throughput);
    return loadBaseline() as Baseline;
  } finally {
    await fleet.stop();
    await stack.stop();
  }
}

/**
 * Captures and judges what `stack` holds, records the row, then asserts nothing
 * was lost or counted twice: against the reference over `events`, and against
 * the clean run unless `expected` is null (an input the clean run did not have).
 */
export async function conclude(
  stack: StackClients,
  expected: Baseline | null,
  row: Omit<ResultRow, 'lost' | 'doubleCounted' | 'events'>,
  events = dataset().events,
): Promise<Verdict> {
  const outcome = await captureOutcome(stack);
  const verdict = await judge(stack, outcome, events, expected);
  recordResult({
    ...row,
    events: events.length,
    lost: lostOf(verdict),
    doubleCounted: doubleCountedOf(verdict),
  });
  progress(
    `${row.fault}: lost ${lostOf(verdict)}, double-counted ${doubleCountedOf(verdict)}, ` +
      `${verdict.duplicates} duplicate records, recovery ${row.recoverySeconds.map((s) => s.toFixed(1)).join(' ')} s`,
  );
  expectExact(verdict);
  return verdict;
}

/** The state is the reference's and the clean run's, and the outputs hold every expected id and nothing else. */
export function expectExact(verdict: Verdict): void {
  expect({
    referenceMismatches: verdict.referenceMismatches,
    missingCustomers: verdict.missingCustomers,
    extraCustomers: verdict.extraCustomers,
    short: verdict.short,
    over: verdict.over,
    examples: verdict.mismatchExamples,
  }).toEqual({
    referenceMismatches: 0,
    missingCustomers: 0,
    extraCustomers: 0,
    short: 0,
    over: 0,
    examples: [],
  });
  expect(verdict.stateDifferences, 'state keys that differ from the clean run').toEqual([]);
  expect({
    missingIds: verdict.missingIds,
    unexpectedIds: verdict.unexpectedIds,
    conflictingIds: verdict.conflictingIds,
  }).toEqual({ missingIds: 0, unexpectedIds: 0, conflictingIds: 0 });
}

/** Info-level logs name no customer (the dataset's ids all match one pattern). */
export function expectNoCustomerIds(logs: string): void {
  const leaked = logs.split('\n').filter((line) => CUSTOMER_ID_PATTERN.test(line));
  expect(leaked.slice(0, 3), 'log lines with a customer id').toEqual([]);
}

/** Deterministic random numbers for fault points, from the suite's seed and a scenario salt. */
export function randomFor(salt: number): () => number {
  let state = (suite().seed * 7919 + salt) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
