// Holds each step's writes as one pipeline until they are shipped with their
// part (src/processor/shipper.ts), then sends a part's pipelines all at once:
// Redis applies them in the order sent, so a cut anywhere leaves a prefix of the
// steps.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../state/scripts.js';
import { WriteResult } from '../state/scripts.js';

/** One step's writes, not yet sent. */
export interface HeldStep {
  pipeline: ChainableCommander;
  /** Positions of customer writes, whose reply says whether another writer got there first. */
  fenced: number[];
}

export class StepWriter {
  private held: HeldStep[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly redis: RedisClient) {}

  pipeline(): ChainableCommander {
    return this.redis.pipeline();
  }

  /** Holds a step's pipeline until `take`. */
  send(pipeline: ChainableCommander, fenced: number[] = []): void {
    if (pipeline.length > 0) this.held.push({ pipeline, fenced });
  }

  /** The steps held so far, oldest first; holds none after. */
  take(): HeldStep[] {
    const steps = this.held;
    this.held = [];
    return steps;
  }

  /** Sends steps in order without waiting between them, and waits for them all; throws the first failure. */
  async write(steps: HeldStep[]): Promise<void> {
    const done = Promise.allSettled(steps.map((step) => written(step)));
    this.inFlight = done;
    const failure = (await done).find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  /** Drops the steps held (never sent) and waits until the ones sent have landed or failed. */
  async discard(): Promise<void> {
    this.held = [];
    await this.inFlight;
  }
}

async function written({ pipeline, fenced }: HeldStep): Promise<void> {
  const results = await pipeline.exec();
  for (const [error] of results ?? []) if (error) throw error;
  if (fenced.some((i) => results?.[i]?.[1] === WriteResult.CONFLICT)) {
    throw new Error('a customer was written by another owner since it was read (partition moved?)');
  }
}
