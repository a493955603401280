// What a run left behind, judged against the ground truth: every customer's state
// against the batch reference, the whole Redis state key by key (from every
// master of a Redis Cluster) and the output topics event id by event id against
// the clean run, and a row of the results table.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { createRedis } from '../../../src/config/config.js';
import { factsOf } from '../../../src/domain/facts.js';
import type { Order } from '../../../src/domain/order.js';
import { dayOf } from '../../../src/domain/time.js';
import { ordersBeforeTick, referenceChurn, referenceSnapshot } from '../../../src/reference/index.js';
import { shardsOf } from '../../../src/state/clear-namespace.js';
import { CustomerStore } from '../../../src/state/customer-store.js';
import { Keys } from '../../../src/state/keys.js';
import type { RedisClient } from '../../../src/state/scripts.js';
import type { OrderEvent } from '../../../src/stream/records.js';
import { uniqueName } from '../../support/kafka.js';
import { differences, dumpNamespace } from '../../support/state-dump.js';
import type { StackClients } from './stack.js';
import { inputPartitionOf, PARTITIONS, suite } from './stack.js';

export type OutputRole = 'segmentChanges' | 'churnRisk';
const ROLES: readonly OutputRole[] = ['segmentChanges', 'churnRisk'];

/** Each distinct event id of an output topic: how many records carry it, and the digests of their values. */
export type OutputIds = Map<string, { count: number; digests: Set<string> }>;

export interface Outcome {
  /** Every state key and a digest of its value. */
  state: Map<string, string>;
  outputs: Record<OutputRole, OutputIds>;
}

const digest = (value: unknown) =>
  createHash('sha1')
    .update(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value))
    .digest('base64url')
    .slice(0, 16);

/**
 * A client of the stack's Redis, connected: on a cluster, once every slot is
 * served, so that the masters it knows (shardsOf) are all of them.
 */
async function stateRedis(stack: StackClients): Promise<RedisClient> {
  const redis = createRedis(stack.config, { maxRetriesPerRequest: 3 });
  try {
    await redis.ping();
    if (redis.isCluster) {
      const info = String(await redis.cluster('INFO'));
      if (!/cluster_state:ok/.test(info)) throw new Error(`the Redis Cluster is not ok:\n${info}`);
      if (shardsOf(redis).length === 0) throw new Error('the Redis Cluster client knows no master');
    }
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

export async function captureOutcome(stack: StackClients): Promise<Outcome> {
  const redis = await stateRedis(stack);
  try {
    const dump = await dumpNamespace(redis, stack.config.namespace);
    const state = new Map([...dump].map(([key, value]) => [key, digest(value)]));
    const kafka = stack.client();
    const outputs = {} as Record<OutputRole, OutputIds>;
    for (const role of ROLES) outputs[role] = await collectOutputs(kafka, stack.config.topics[role]);
    return { state, outputs };
  } finally {
    redis.disconnect();
  }
}

/** Every record of `topic`, read to its end in a fresh group: ids and value digests. */
export async function collectOutputs(kafka: Kafka, topic: string, timeoutMs = 600_000): Promise<OutputIds> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high) - 1]),
  );
  const ids: OutputIds = new Map();
  if (remaining.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: uniqueName('fault-outputs'), maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic} not read to its end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const last = remaining.get(batch.partition);
            for (const message of batch.messages) {
              if (last === undefined || Number(message.offset) > last) break;
              const id = String(message.headers?.ce_id);
              const entry = ids.get(id) ?? { count: 0, digests: new Set<string>() };
              entry.count += 1;
              entry.digests.add(digest(message.value ?? ''));
              ids.set(id, entry);
              if (Number(message.offset) === last) remaining.delete(batch.partition);
            }
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

export function saveBaseline(outcome: Outcome, throughput: number): void {
  const file = baselineFile();
  const outputs = Object.fromEntries(
    ROLES.map((role) => [role, [...outcome.outputs[role]].map(([id, e]) => [id, [...e.digests][0]])]),
  );
  writeFileSync(file, JSON.stringify({ state: [...outcome.state], outputs, throughput }));
}

export interface Baseline {
  state: Map<string, string>;
  outputs: Record<OutputRole, Map<string, string>>;
  /** Events per second of the clean run. */
  throughput: number;
}

export function loadBaseline(): Baseline | null {
  const file = baselineFile();
  if (!existsSync(file)) return null;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    state: [string, string][];
    outputs: Record<OutputRole, [string, string][]>;
    throughput: number;
  };
  return {
    state: new Map(raw.state),
    outputs: Object.fromEntries(
      ROLES.map((role) => [role, new Map(raw.outputs[role])]),
    ) as Baseline['outputs'],
    throughput: raw.throughput,
  };
}

/** Per size and kind of Redis: a cluster run is held to a clean run on a cluster. */
const baselineFile = () =>
  join(suite().resultsDir, `baseline-${suite().events}${suite().redis === 'cluster' ? '-cluster' : ''}.json`);

export interface Verdict {
  /** Customers in the state whose facts, scores, segments or churn risk differ from the reference. */
  referenceMismatches: number;
  mismatchExamples: string[];
  /** Customers the reference has and the state lacks, or the other way round. */
  missingCustomers: number;
  extraCustomers: number;
  /** Customers with less (lost) or more (double-counted) spend, refunds or transactions than their events make. */
  short: number;
  over: number;
  /** State keys whose values differ from the clean run's. */
  stateDifferences: string[];
  /** Expected event ids absent from the outputs; ids not expected; ids carried by records of different contents. */
  missingIds: number;
  unexpectedIds: number;
  conflictingIds: number;
  /** Records beyond the first of their id: allowed, same id and content. */
  duplicates: number;
  outputRecords: number;
}

/**
 * Judges `outcome` against the batch reference over `events` (in the order they
 * were produced) and, when given, the clean run.
 */
export async function judge(
  stack: StackClients,
  outcome: Outcome,
  events: readonly OrderEvent[],
  baseline: Baseline | null,
): Promise<Verdict> {
  const orders: Order[] = events.map(({ currency: _c, quantity: _q, ...order }) => order);
  const lastDay = Math.max(...orders.map((o) => dayOf(o.eventTime)));
  const { windowDays } = stack.config;
  // The last version is of the last day: it counts what each partition held before its first order of that day.
  const partitions: Order[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const order of orders) partitions[inputPartitionOf(order.customerId)]?.push(order);
  const reference = referenceSnapshot(orders, {
    today: lastDay,
    windowDays,
    thresholdsDay: lastDay,
    thresholdsOrders: ordersBeforeTick(partitions, lastDay),
  });
  const totals = lifetimeTotals(orders);

  const redis = await stateRedis(stack);
  const verdict: Verdict = {
    referenceMismatches: 0,
    mismatchExamples: [],
    missingCustomers: 0,
    extraCustomers: 0,
    short: 0,
    over: 0,
    stateDifferences: [],
    missingIds: 0,
    unexpectedIds: 0,
    conflictingIds: 0,
    duplicates: 0,
    outputRecords: 0,
  };
  try {
    const stored = await new CustomerStore(
      redis,
      new Keys(stack.config.namespace),
      stack.config.topics.orders,
    ).readMany(reference.customers.keys());
    for (const [id, expected] of reference.customers) {
      const customer = stored.get(id);
      if (!customer || customer.version === '') {
        verdict.missingCustomers += 1;
        continue;
      }
      const { customerId: _id, scores, segments, ...facts } = expected;
      const actual = {
        facts: sorted({ ...factsOf(customer.state, lastDay, windowDays) }),
        scores: customer.scores,
        segments: customer.segments && sorted({ ...customer.segments }),
        churn: customer.churn,
      };
      const wanted = {
        facts: sorted({ ...facts }),
        scores,
        segments: sorted({ ...segments }),
        churn: referenceChurn(expected),
      };
      const same = JSON.stringify(actual) === JSON.stringify(wanted);
      if (!same) {
        verdict.referenceMismatches += 1;
        if (verdict.mismatchExamples.length < 5)
          verdict.mismatchExamples.push(`${id}: ${JSON.stringify(actual)} != ${JSON.stringify(wanted)}`);
      }
      const total = totals.get(id);
      const s = customer.state;
      const have = [s.lifetimePurchases, s.lifetimeRefunds, s.lifetimeTransactions];
      const want = [total?.purchases ?? 0, total?.refunds ?? 0, total?.transactions ?? 0];
      if (have.some((h, i) => h < (want[i] as number))) verdict.short += 1;
      if (have.some((h, i) => h > (want[i] as number))) verdict.over += 1;
    }
  } finally {
    redis.disconnect();
  }
  const customerKeys = [...outcome.state.keys()].filter((k) => /^:c:\{[^}]*\}$/.test(k));
  verdict.extraCustomers = customerKeys.filter((k) => !reference.customers.has(k.slice(4, -1))).length;

  for (const ids of Object.values(outcome.outputs)) {
    for (const entry of ids.values()) {
      verdict.outputRecords += entry.count;
      verdict.duplicates += entry.count - 1;
      if (entry.digests.size > 1) verdict.conflictingIds += 1;
    }
  }
  if (baseline) {
    verdict.stateDifferences = differences(outcome.state, baseline.state, 10);
    for (const role of ROLES) {
      const expected = baseline.outputs[role];
      const actual = outcome.outputs[role];
      for (const [id, content] of expected) {
        const entry = actual.get(id);
        if (!entry) verdict.missingIds += 1;
        else if (!entry.digests.has(content)) verdict.conflictingIds += 1;
      }
      for (const id of actual.keys()) if (!expected.has(id)) verdict.unexpectedIds += 1;
    }
  }
  return verdict;
}

function sorted(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Per customer: purchases and refunds (minor units) and purchase days, each event id counted once. */
function lifetimeTotals(orders: readonly Order[]) {
  const seen = new Set<string>();
  const totals = new Map<
    string,
    { purchases: number; refunds: number; days: Set<number>; transactions: number }
  >();
  for (const order of orders) {
    if (seen.has(order.eventId)) continue;
    seen.add(order.eventId);
    const total = totals.get(order.customerId) ?? {
      purchases: 0,
      refunds: 0,
      days: new Set(),
      transactions: 0,
    };
    if (order.kind === 'PURCHASE') {
      total.purchases += order.amountMinor;
      total.days.add(dayOf(order.eventTime));
      total.transactions = total.days.size;
    } else if (order.kind === 'REFUND') total.refunds += order.amountMinor;
    totals.set(order.customerId, total);
  }
  return totals;
}

export interface ResultRow {
  /** Orders the scenario's order in the table. */
  order: number;
  fault: string;
  /** Processor processes started over the scenario. */
  runs: number;
  events: number;
  /** Customers short of their events' effect, plus expected output event ids missing. */
  lost: number;
  /** Customers beyond their events' effect, plus output ids with conflicting contents or unexpected. */
  doubleCounted: number;
  /** How long processing took to resume after each fault was lifted, in seconds. */
  recoverySeconds: number[];
  /** Wall time of the scenario's processing, in seconds. */
  seconds: number;
  notes?: string;
  /** The Redis it ran on, when not the suite's (RFM_FAULT_REDIS). */
  redis?: 'single' | 'cluster';
}

export function lostOf(v: Verdict): number {
  return v.short + v.missingCustomers + v.missingIds;
}

export function doubleCountedOf(v: Verdict): number {
  return v.over + v.extraCustomers + v.conflictingIds + v.unexpectedIds;
}

export function recordResult(row: ResultRow): void {
  const redis = row.redis ?? suite().redis;
  appendFileSync(join(suite().resultsDir, 'results.jsonl'), `${JSON.stringify({ ...row, redis })}\n`);
}
