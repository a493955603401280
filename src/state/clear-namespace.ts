// Deletes every key of a namespace: for starting a namespace afresh (`rfm demo`).
import type { Redis } from 'ioredis';
import type { Keys } from './keys.js';

/** Deletes the namespace's keys, a scan page at a time. Returns how many there were. */
export async function clearNamespace(redis: Redis, keys: Keys): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.pattern(), 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) deleted += await redis.unlink(...found);
  } while (cursor !== '0');
  return deleted;
}
