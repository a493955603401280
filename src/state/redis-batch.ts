// One round of Redis commands sent together, on a single Redis or a Redis Cluster.
//
// On a single Redis a batch is an ioredis pipeline: nothing is sent before
// `exec`, and Redis applies the commands in the order queued, so a cut anywhere
// leaves a prefix. A Cluster refuses pipelines whose keys live on different
// nodes, and a batch of customer keys always does. There a batch records the
// calls and, at `exec`, makes them on the client, whose auto-pipelining (enabled
// by createRedis) sends the calls of one event-loop turn as one pipeline per
// node: a constant number of round trips, one per shard. Each node applies its
// commands in order, but the nodes do not wait for each other; where a later
// command must not land without an earlier one on another node, `endPhase`
// marks the point, and `exec` waits for the phase before to be applied before
// it sends the next (on a single Redis, order alone does that: it is a no-op).
import type { ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './scripts.js';

type Outcome = [error: Error | null, result: unknown];
type Call = (...args: unknown[]) => Promise<unknown>;

const PHASES = Symbol('phases');

interface Recorded {
  command: string;
  args: unknown[];
}

interface ClusterBatch {
  [PHASES]: Recorded[][];
}

/** A pipeline on a single Redis; on a Cluster, the same calls sent through auto-pipelining at `exec`. */
export function batchOf(redis: RedisClient): ChainableCommander {
  return redis.isCluster ? clusterBatch(redis as Cluster) : redis.pipeline();
}

/** Commands queued after this are sent once those before it are applied, on every node. */
export function endPhase(batch: ChainableCommander): void {
  const phases = (batch as unknown as Partial<ClusterBatch>)[PHASES];
  if (phases && (phases[phases.length - 1] as Recorded[]).length > 0) phases.push([]);
}

function clusterBatch(cluster: Cluster): ChainableCommander {
  const phases: Recorded[][] = [[]];
  const client = cluster as unknown as Record<string, Call>;
  const exec = async (): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    for (const phase of phases) {
      if (outcomes.some(([error]) => error !== null)) {
        // What comes after a failed phase must not land without it.
        const skipped = new Error('not sent: a command of an earlier phase of its batch failed');
        for (const _ of phase) outcomes.push([skipped, null]);
        continue;
      }
      const sent = phase.map(({ command, args }) =>
        (client[command] as Call).apply(cluster, args).then(
          (result): Outcome => [null, result],
          (error: Error): Outcome => [error, null],
        ),
      );
      outcomes.push(...(await Promise.all(sent)));
    }
    return outcomes;
  };
  const batch: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_, property) {
      if (property === PHASES) return phases;
      if (property === 'exec') return exec;
      if (property === 'length') return phases.reduce((n, phase) => n + phase.length, 0);
      if (property === 'then') return undefined; // not a promise: `await batch` is a mistake, not a call
      if (typeof property !== 'string' || typeof client[property] !== 'function') {
        throw new TypeError(`a Redis batch has no command ${String(property)}`);
      }
      return (...args: unknown[]) => {
        (phases[phases.length - 1] as Recorded[]).push({ command: property, args });
        return batch;
      };
    },
  });
  return batch;
}
