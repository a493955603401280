// Sends each step's writes as one pipeline without waiting for the reply: Redis
// applies them in the order sent, so every step is as durable as if it had been
// awaited, and the next step is computed while Redis works. A drain waits once,
// at its end, before anything is published or committed.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../state/scripts.js';
import { WriteResult } from '../state/scripts.js';

export class StepWriter {
  private pending: Promise<void>[] = [];
  private failure: unknown = null;
  /** Pipelines sent, for the metrics. */
  sent = 0;

  constructor(private readonly redis: RedisClient) {}

  pipeline(): ChainableCommander {
    return this.redis.pipeline();
  }

  /**
   * Sends a pipeline. `fenced` are the positions of customer writes, whose reply
   * says whether another writer got there first.
   */
  send(pipeline: ChainableCommander, fenced: number[] = []): void {
    if (pipeline.length === 0) return;
    this.sent += 1;
    const done = pipeline.exec().then(
      (results) => {
        for (const [error] of results ?? []) if (error) throw error;
        if (fenced.some((i) => results?.[i]?.[1] === WriteResult.CONFLICT)) {
          throw new Error('a customer was written by another owner since it was read (partition moved?)');
        }
      },
      (error: unknown) => {
        throw error;
      },
    );
    // Kept, and looked at by `flush`: a rejection is never left unhandled.
    this.pending.push(
      done.catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
  }

  /** Waits for everything sent; throws the first failure. */
  async flush(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
  }
}
