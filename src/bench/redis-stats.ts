// What the benchmark reads from Redis: command counts (INFO commandstats, which
// also counts the commands Lua scripts run) and the memory a namespace's keys
// take (MEMORY USAGE of each key, so other users of a shared Redis do not count),
// summed over the masters of a Redis Cluster.

import { clearNamespace, shardsOf } from '../state/clear-namespace.js';
import { Keys } from '../state/keys.js';
import type { RedisClient } from '../state/scripts.js';

/** Calls per command since the servers started (or CONFIG RESETSTAT), over every shard. */
export async function commandCalls(redis: RedisClient): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const node of shardsOf(redis)) {
    const info = await node.info('commandstats');
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const command = match[1] as string;
      calls.set(command, (calls.get(command) ?? 0) + Number(match[2]));
    }
  }
  return calls;
}

/** CPU seconds (user + system) the Redis servers have used since they started, over every shard. */
export async function cpuSeconds(redis: RedisClient): Promise<number> {
  let seconds = 0;
  for (const node of shardsOf(redis)) {
    const info = await node.info('cpu');
    for (const match of info.matchAll(/^used_cpu_(?:user|sys):([\d.]+)/gm)) seconds += Number(match[1]);
  }
  return seconds;
}

/** Calls per command between two snapshots, largest first. */
export function callsBetween(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  return [...after]
    .map(([command, n]) => [command, n - (before.get(command) ?? 0)] as [string, number])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

export interface NamespaceMemory {
  /** Bytes of every key of the namespace. */
  totalBytes: number;
  /** Bytes of the keys tagged with one customer ({customerId}). */
  customerBytes: number;
  /** Bytes of the partition indexes, thresholds and other shared keys. */
  sharedBytes: number;
  /** Customers with a key of their own. */
  customers: number;
  /** Bytes of each customer's own keys, by customer id. */
  byCustomer: Map<string, number>;
}

/** MEMORY USAGE (every nested value sampled) of each key of `namespace:*`. */
export async function namespaceMemory(redis: RedisClient, namespace: string): Promise<NamespaceMemory> {
  const memory: NamespaceMemory = {
    totalBytes: 0,
    customerBytes: 0,
    sharedBytes: 0,
    customers: 0,
    byCustomer: new Map(),
  };
  const customerTag = new RegExp(`^${escapeRegExp(namespace)}:c:\\{([^}]*)\\}`);
  for (const node of shardsOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 2000);
      cursor = next;
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
      const replies = (await pipeline.exec()) ?? [];
      keys.forEach((key, i) => {
        const bytes = Number(replies[i]?.[1] ?? 0);
        memory.totalBytes += bytes;
        const customer = customerTag.exec(key)?.[1];
        if (customer === undefined) {
          memory.sharedBytes += bytes;
          return;
        }
        memory.customerBytes += bytes;
        memory.byCustomer.set(customer, (memory.byCustomer.get(customer) ?? 0) + bytes);
      });
    } while (cursor !== '0');
  }
  memory.customers = memory.byCustomer.size;
  return memory;
}

/** Deletes every key of `namespace:*`. */
export async function dropNamespace(redis: RedisClient, namespace: string): Promise<void> {
  await clearNamespace(redis, new Keys(namespace));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
