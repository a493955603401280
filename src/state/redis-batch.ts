// One round of Redis commands sent together, on a single Redis or a Redis Cluster.
//
// On a single Redis a batch is an ioredis pipeline. A Cluster refuses pipelines
// whose keys live on different nodes, and a batch of customer keys always does,
// so on a Cluster each command goes to the client, whose auto-pipelining
// (enabled by createRedis) groups the commands of one event-loop turn into one
// pipeline per node: still a constant number of round trips per batch, one per
// shard, and each node applies its commands in the order they were queued.
import type { ChainableCommander, Cluster } from 'ioredis';
import type { RedisClient } from './scripts.js';

type Outcome = [error: Error | null, result: unknown];
type Call = (...args: unknown[]) => Promise<unknown>;

/** A pipeline on a single Redis; on a Cluster, the same calls sent through auto-pipelining. */
export function batchOf(redis: RedisClient): ChainableCommander {
  return redis.isCluster ? clusterBatch(redis as Cluster) : redis.pipeline();
}

function clusterBatch(cluster: Cluster): ChainableCommander {
  const outcomes: Promise<Outcome>[] = [];
  const batch: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_, property) {
      if (property === 'exec') return () => Promise.all(outcomes);
      if (property === 'length') return outcomes.length;
      if (property === 'then') return undefined; // not a promise: `await batch` is a mistake, not a call
      const command = (cluster as unknown as Record<PropertyKey, Call>)[property];
      if (typeof command !== 'function') {
        throw new TypeError(`a Redis batch has no command ${String(property)}`);
      }
      return (...args: unknown[]) => {
        outcomes.push(
          command.apply(cluster, args).then(
            (result): Outcome => [null, result],
            (error: Error): Outcome => [error, null],
          ),
        );
        return batch;
      };
    },
  });
  return batch;
}
