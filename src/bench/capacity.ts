// The capacity model (deploy/capacity.md): from what one bench run measured
// (events/s of one process, Redis commands per event, Redis bytes per customer),
// the Kafka partitions, processes and Redis shards a deployment needs for a
// number of customers at an event rate. Pure arithmetic, so every figure it
// prints can be traced to the measurements it starts from.

export interface CapacityInputs {
  /** Events/s one processor process sustained (bench (b)). */
  eventsPerProcess: number;
  /** Redis commands per event, scripts' own commands included (bench (b), INFO commandstats). */
  redisCommandsPerEvent: number;
  /** Redis bytes per customer (bench memory). */
  redisBytesPerCustomer: number;
  /** Commands/s one Redis shard (one core) is planned to serve. */
  redisCommandsPerShard: number;
  /** Memory one Redis shard is planned to hold, bytes. */
  redisBytesPerShard: number;
  /** Fraction of each measured or planned capacity used, leaving headroom for peaks and rebalances. */
  utilisation: number;
}

export interface CapacityCase {
  customers: number;
  eventsPerSecond: number;
  processes: number;
  /** Room for twice the processes without adding partitions (a topic's partitions cannot be reduced). */
  partitions: number;
  redisShards: number;
  /** Which of Redis's two limits sets the shard count. */
  redisBoundBy: 'commands' | 'memory';
  redisMemoryGb: number;
}

export const CAPACITY_CASES: readonly { customers: number; eventsPerSecond: number }[] = [
  { customers: 10_000_000, eventsPerSecond: 10_000 },
  { customers: 10_000_000, eventsPerSecond: 100_000 },
  { customers: 100_000_000, eventsPerSecond: 10_000 },
  { customers: 100_000_000, eventsPerSecond: 100_000 },
];

export function capacityOf(
  inputs: CapacityInputs,
  cases: readonly { customers: number; eventsPerSecond: number }[] = CAPACITY_CASES,
): CapacityCase[] {
  const u = inputs.utilisation;
  return cases.map(({ customers, eventsPerSecond }) => {
    const processes = Math.ceil(eventsPerSecond / (inputs.eventsPerProcess * u));
    const memory = customers * inputs.redisBytesPerCustomer;
    const byCommands = Math.ceil(
      (eventsPerSecond * inputs.redisCommandsPerEvent) / (inputs.redisCommandsPerShard * u),
    );
    const byMemory = Math.ceil(memory / (inputs.redisBytesPerShard * u));
    return {
      customers,
      eventsPerSecond,
      processes,
      partitions: 2 * processes,
      redisShards: Math.max(byCommands, byMemory, 1),
      redisBoundBy: byCommands >= byMemory ? 'commands' : 'memory',
      redisMemoryGb: memory / 2 ** 30,
    };
  });
}
