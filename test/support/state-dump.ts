// A namespace's state as plain data, for comparing two namespaces that should
// hold the same state: every key with its value, the namespace taken out of the
// key names.
import type { ChainableCommander } from 'ioredis';
import { batchOf } from '../../src/state/redis-batch.js';
import type { RedisClient } from '../../src/state/scripts.js';
import { scanKeys } from './redis.js';

export type StateDump = Map<string, unknown>;

/**
 * Every state key of `namespace` (customers, partition indexes, thresholds) and
 * its value, keyed by the key name without the namespace. Left out: the customer hash's write counter `v`, which fences
 * concurrent writers and counts writes, so it depends on how records were batched;
 * and the namespace's own records (`:live`, `:backfill`), which say who feeds it.
 */
export async function dumpNamespace(redis: RedisClient, namespace: string): Promise<StateDump> {
  const keys = await scanKeys(redis, `${namespace}:*`);
  const stateKeys = keys.filter((key) => /^[^:]+:(c|p|thresholds):/.test(key)).sort();
  const types = await pipelined(redis, stateKeys, (p, key) => p.type(key));
  const values = await pipelined(redis, stateKeys, (p, key, i) => {
    const type = types[i];
    if (type === 'hash') p.hgetall(key);
    else if (type === 'zset') p.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'set') p.smembers(key);
    else if (type === 'list') p.lrange(key, 0, -1);
    else p.get(key);
  });
  const dump: StateDump = new Map();
  stateKeys.forEach((key, i) => {
    let value = values[i];
    if (types[i] === 'hash') {
      const { v: _writes, ...fields } = value as Record<string, string>;
      // Field order follows write history in Redis; the state does not.
      const kept = key.startsWith(`${namespace}:c:`) ? fields : (value as Record<string, string>);
      value = Object.fromEntries(Object.entries(kept).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    if (types[i] === 'set') value = [...(value as string[])].sort();
    dump.set(key.slice(namespace.length).replace(`{${namespace}:`, '{<ns>:'), value);
  });
  return dump;
}

async function pipelined(
  redis: RedisClient,
  keys: string[],
  queue: (pipeline: ChainableCommander, key: string, i: number) => void,
): Promise<unknown[]> {
  const results: unknown[] = [];
  for (let start = 0; start < keys.length; start += 5000) {
    const pipeline = batchOf(redis);
    keys.slice(start, start + 5000).forEach((key, i) => {
      queue(pipeline, key, start + i);
    });
    for (const [error, reply] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      results.push(reply);
    }
  }
  return results;
}

/** The keys whose values differ between two dumps (at most `limit`), for a readable failure. */
export function differences(a: StateDump, b: StateDump, limit = 10): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (JSON.stringify(a.get(key)) !== JSON.stringify(b.get(key))) {
      out.push(
        `${key}: ${JSON.stringify(a.get(key))?.slice(0, 200)} != ${JSON.stringify(b.get(key))?.slice(0, 200)}`,
      );
      if (out.length >= limit) break;
    }
  }
  return out;
}
