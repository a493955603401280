// Holds each step's writes as one pipeline until they are shipped with their
// part (src/processor/shipper.ts), then sends a part's pipelines all at once:
// Redis applies them in the order sent, so a cut anywhere leaves a prefix of the
// steps. A Redis Cluster applies each node's commands in order but the nodes
// apart, so there the steps go one after another, each in its phases
// (src/state/redis-batch.ts): a cut still leaves a prefix of what a step
// needs in order, and whole steps before it.
import type { ChainableCommander } from 'ioredis';
import { RfmError } from '../errors.js';
import { asOwnershipLost, PartitionRevoked } from '../state/partition-index.js';
import { batchOf } from '../state/redis-batch.js';
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
    return batchOf(this.redis);
  }

  /** On a Cluster a step's phases are sent one after another; on a single Redis all at once. */
  get isCluster(): boolean {
    return this.redis.isCluster;
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

  /**
   * Sends steps in order without waiting between them (on a Cluster, each once
   * the one before is applied), and waits for them all; throws the first failure.
   */
  async write(steps: HeldStep[]): Promise<void> {
    const done = this.redis.isCluster ? oneByOne(steps) : Promise.allSettled(steps.map(written));
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

/** Each step once the one before is written; none after a failed one. */
async function oneByOne(steps: HeldStep[]): Promise<PromiseSettledResult<void>[]> {
  const results: PromiseSettledResult<void>[] = [];
  for (const step of steps) {
    try {
      await written(step);
      results.push({ status: 'fulfilled', value: undefined });
    } catch (reason) {
      results.push({ status: 'rejected', reason });
      break;
    }
  }
  return results;
}

async function written({ pipeline, fenced }: HeldStep): Promise<void> {
  const results = await pipeline.exec();
  for (const [error] of results ?? []) if (error) throw asOwnershipLost(error);
  if (fenced.some((i) => results?.[i]?.[1] === WriteResult.REVOKED)) throw new PartitionRevoked();
  if (fenced.some((i) => results?.[i]?.[1] === WriteResult.CONFLICT)) {
    throw new RfmError(
      'OWNERSHIP_LOST',
      'a customer was written by another owner since it was read: its partition moved in a rebalance',
    );
  }
}
