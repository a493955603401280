// Runs the processor core (coordinator, partition processors, Redis state) over
// in-memory partitions of orders against the real Redis, collecting what it
// publishes: the streaming side of the reference comparisons, without Kafka.
import { createHash } from 'node:crypto';
import type { ChurnRiskChange, OutputChange, SegmentChange } from '../../src/domain/changes.js';
import type { ValueModel } from '../../src/domain/clv/value-model.js';
import type { Order } from '../../src/domain/order.js';
import { Coordinator, type CoordinatorOptions } from '../../src/processor/coordinator.js';
import { clearNamespace } from '../../src/state/clear-namespace.js';
import { CustomerStore, type StoredCustomer } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { PartitionIndex } from '../../src/state/partition-index.js';
import { defineScripts, type RedisClient } from '../../src/state/scripts.js';
import { ThresholdsStore } from '../../src/state/thresholds-store.js';
import { ValueModelStore } from '../../src/state/value-model-store.js';
import { uniqueName } from './kafka.js';

export interface EngineRun {
  namespace: string;
  /** The segment changes published, in order. */
  published: SegmentChange[];
  churn: ChurnRiskChange[];
  /** Orders rejected as later than the allowed lateness. */
  late: Order[];
  coordinator: Coordinator;
  customers: CustomerStore;
  /** Each partition's clock day after the run. */
  today: (partition: number) => Promise<number | null>;
  readCustomers: (ids: string[]) => Promise<Map<string, StoredCustomer>>;
}

export function partitionOf(customerId: string, partitionCount: number): number {
  return createHash('md5').update(customerId).digest().readUInt32BE(0) % partitionCount;
}

/** Splits orders into partitions by customer, keeping their order. */
export function partitionOrders(orders: readonly Order[], partitionCount: number): Order[][] {
  const partitions: Order[][] = Array.from({ length: partitionCount }, () => []);
  for (const order of orders) partitions[partitionOf(order.customerId, partitionCount)]?.push(order);
  return partitions;
}

export async function runEngine(
  redis: RedisClient,
  partitions: Order[][],
  options: {
    windowDays?: number;
    cadenceDays?: number;
    allowedLatenessDays?: number;
    namespace?: string;
    batchSize?: number;
    /** Days without a purchase that make a customer lapsed in the churn rate. @default null (off) */
    churnAfterDays?: number;
    /** Live mode's wall clock (epoch ms): idle partitions advance to its day. */
    wallClock?: () => number;
    /** A value model stored before the run starts, as `rfm fit` would. */
    valueModel?: ValueModel;
    /**
     * How many records partition `partition` delivers in round `round` (0 for none
     * this round); by default `batchSize` for every partition, round robin.
     */
    feed?: (partition: number, round: number) => number;
    /** Called before each publish; throwing there simulates a crash between Redis and Kafka. */
    beforePublish?: (changes: OutputChange[]) => void;
    /** The store of thresholds versions; a failing one simulates a crash in a tick. */
    thresholdsStore?: (redis: RedisClient, keys: Keys, topic: string) => ThresholdsStore;
    /**
     * Retry a drain that failed, up to this many times in a row, as the running
     * processor does after a transient failure (Kafka away): no restart between.
     * A drain that published something before failing made progress: the count
     * starts again (a backlog of many parts may take many drains to ship).
     * @default 0 (a failed drain fails the run)
     */
    retryFailedDrains?: number;
    /** The coordinator's memory bounds (src/processor/coordinator.ts); its defaults when absent. */
    bounds?: Pick<CoordinatorOptions, 'readAhead' | 'cacheSize' | 'partWeight'>;
  } = {},
): Promise<EngineRun> {
  defineScripts(redis);
  const namespace = options.namespace ?? uniqueName('t');
  const keys = new Keys(namespace);
  const topic = 'orders';
  const customers = new CustomerStore(redis, keys, topic);
  const published: SegmentChange[] = [];
  const churn: ChurnRiskChange[] = [];
  const late: Order[] = [];
  const valueModels = new ValueModelStore(redis, keys, topic);
  if (options.valueModel) await valueModels.save(options.valueModel);
  const coordinator = new Coordinator({
    redis,
    keys,
    customers,
    thresholdsStore: (options.thresholdsStore ?? ((r, k, t) => new ThresholdsStore(r, k, t)))(
      redis,
      keys,
      topic,
    ),
    valueModels,
    topic,
    partitionCount: partitions.length,
    windowDays: options.windowDays ?? 365,
    cadenceDays: options.cadenceDays ?? 1,
    allowedLatenessDays: options.allowedLatenessDays ?? 30,
    churnAfterDays: options.churnAfterDays ?? null,
    ...(options.wallClock ? { wallClock: options.wallClock } : {}),
    ...options.bounds,
    onLate: async (_partition, record) => {
      if (record.order) late.push(record.order);
    },
    publish: async (changes) => {
      options.beforePublish?.(changes);
      for (const output of changes) {
        if (output.kind === 'segment') published.push(output.change);
        else churn.push(output.change);
      }
    },
  });
  await coordinator.assign(partitions.map((_, p) => p));
  // Feed the partitions a batch at a time, round robin, as a consumer would.
  const batchSize = options.batchSize ?? 50;
  const feed = options.feed ?? (() => batchSize);
  const cursors = partitions.map(() => 0);
  for (let round = 0; cursors.some((c, p) => c < (partitions[p] as Order[]).length); round++) {
    partitions.forEach((orders, p) => {
      const from = cursors[p] as number;
      const batch = orders.slice(from, from + feed(p, round));
      cursors[p] = from + batch.length;
      coordinator.enqueue(
        p,
        batch.map((order, i) => ({ offset: from + i, order })),
        cursors[p] === orders.length,
      );
    });
    // Retried while failing drains still get something done: outputs shipped,
    // days ticked or orders taken off the queues (a tick may publish nothing).
    const done = () => {
      let n = published.length + churn.length;
      for (const [p, today] of coordinator.clocks()) n += (today ?? 0) - coordinator.queuedCount(p);
      return n;
    };
    let most = done();
    for (let failures = 0; ; failures++) {
      try {
        await coordinator.drain();
        break;
      } catch (error) {
        if (done() > most) {
          most = done();
          failures = 0;
        }
        if (failures >= (options.retryFailedDrains ?? 0)) throw error;
      }
    }
  }
  const indexes = partitions.map((_, p) => new PartitionIndex(redis, keys, topic, p));
  return {
    namespace,
    published,
    churn,
    late,
    coordinator,
    customers,
    today: async (p) => (await (indexes[p] as PartitionIndex).clock()).today,
    readCustomers: (ids) => customers.readMany(ids),
  };
}

export async function dropNamespace(redis: RedisClient, namespace: string): Promise<void> {
  await clearNamespace(redis, new Keys(namespace));
}
