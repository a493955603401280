import { describe, expect, it } from 'vitest';
import { capacityOf } from '../../src/bench/capacity.js';

const inputs = {
  eventsPerProcess: 1000,
  redisCommandsPerEvent: 4,
  redisBytesPerCustomer: 300,
  redisCommandsPerShard: 100_000,
  redisBytesPerShard: 25 * 2 ** 30,
  utilisation: 0.7,
};

describe('capacityOf', () => {
  it('sizes processes by events, partitions for twice them, and shards by the tighter of commands and memory', () => {
    // By hand: 100k ev/s / (1000 x 0.7) = 142.9 -> 143 processes; Redis 400k commands/s
    // / 70k per shard = 5.7 -> 6 shards; 30 GB / (25 GiB x 0.7) = 1.6 -> 2 shards.
    expect(capacityOf(inputs, [{ customers: 100_000_000, eventsPerSecond: 100_000 }])).toEqual([
      {
        customers: 100_000_000,
        eventsPerSecond: 100_000,
        processes: 143,
        partitions: 286,
        redisShards: 6,
        redisBoundBy: 'commands',
        redisMemoryGb: 3e10 / 2 ** 30,
      },
    ]);
  });

  it('lets memory set the shards when the state outgrows what the commands need', () => {
    const [big] = capacityOf({ ...inputs, redisBytesPerCustomer: 3000 }, [
      { customers: 100_000_000, eventsPerSecond: 10_000 },
    ]);
    // 300 GB / 17.5 GiB = 15.97 -> 16 shards; commands: 40k / 70k -> 1.
    expect(big).toMatchObject({ processes: 15, partitions: 30, redisShards: 16, redisBoundBy: 'memory' });
  });
});
