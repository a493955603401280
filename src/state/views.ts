// Read-only views of the state for people and tools: one customer as `rfm
// inspect` and GET /customers/{id} show it, and the segment populations of
// `rfm report`.
import type { ChurnRisk } from '../domain/churn.js';
import type { RfmScores } from '../domain/classify.js';
import { type CustomerValue, customerValueOf } from '../domain/clv/customer-value.js';
import { type CustomerFacts, factsOf } from '../domain/facts.js';
import { MODELS, type ModelName, SEGMENTS_OF, type Segments } from '../domain/segments.js';
import { isoDay } from '../domain/time.js';
import { CustomerStore } from './customer-store.js';
import type { Keys } from './keys.js';
import { PartitionIndex } from './partition-index.js';
import type { RedisClient } from './scripts.js';
import { ThresholdsStore } from './thresholds-store.js';
import { ValueModelStore } from './value-model-store.js';

export interface StateScope {
  redis: RedisClient;
  keys: Keys;
  topic: string;
  partitionCount: number;
  windowDays: number;
  /** How a fitted value model is applied: the horizon of CLV, and its yearly discount rate. @default 365, 0 */
  clvHorizonDays?: number;
  clvDiscountRate?: number;
}

export interface CustomerView {
  customerId: string;
  /** The day the numbers are as of: the processor's clock. */
  asOf: string | null;
  thresholdsVersion: string | null;
  facts: CustomerFacts;
  scores: RfmScores | null;
  segments: Segments | null;
  churnRisk: ChurnRisk | null;
  /** P(alive), expected transactions and predicted CLV under the current value model; null without one. */
  value: CustomerValue | null;
  /** Days kept in the rolling state. */
  bucketDays: number;
  lastAppliedOffset: number;
}

export interface PopulationReport {
  asOf: string | null;
  thresholdsVersion: string | null;
  /** Customers with any state. */
  customers: number;
  /** Population P: customers with a purchase in the window. */
  population: number;
  segments: Record<ModelName, Record<string, number>>;
}

function partitions(scope: StateScope): PartitionIndex[] {
  return Array.from(
    { length: scope.partitionCount },
    (_, p) => new PartitionIndex(scope.redis, scope.keys, scope.topic, p),
  );
}

/** The processor's clock: the latest day any partition has reached. */
async function clockDay(scope: StateScope): Promise<number | null> {
  const days = (await Promise.all(partitions(scope).map((p) => p.clock()))).map((c) => c.today);
  const known = days.filter((d): d is number => d !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

/** One customer, or null when the state has never seen it. */
export async function customerView(scope: StateScope, customerId: string): Promise<CustomerView | null> {
  const stored = (await new CustomerStore(scope.redis, scope.keys, scope.topic).readMany([customerId])).get(
    customerId,
  );
  if (!stored || stored.version === '') return null;
  const today = await clockDay(scope);
  const model = await new ValueModelStore(scope.redis, scope.keys, scope.topic).current();
  const asOf = today ?? stored.state.lastPurchaseDay ?? 0;
  return {
    customerId,
    asOf: today === null ? null : isoDay(today),
    thresholdsVersion: stored.thresholdsVersion,
    facts: factsOf(stored.state, asOf, scope.windowDays),
    scores: stored.scores,
    segments: stored.segments,
    churnRisk: stored.churn,
    value: model
      ? customerValueOf(stored.state, asOf, {
          model,
          horizonDays: scope.clvHorizonDays ?? 365,
          annualDiscountRate: scope.clvDiscountRate ?? 0,
        })
      : null,
    bucketDays: stored.state.buckets.length,
    lastAppliedOffset: stored.lastOffset,
  };
}

export async function populationReport(scope: StateScope): Promise<PopulationReport> {
  const indexes = partitions(scope);
  const counts = await Promise.all(indexes.map((p) => p.segmentCounts()));
  const segments = Object.fromEntries(
    MODELS.map((model) => [model, Object.fromEntries(SEGMENTS_OF[model].map((s) => [s, 0]))]),
  ) as Record<ModelName, Record<string, number>>;
  for (const partitionCounts of counts) {
    for (const [key, n] of Object.entries(partitionCounts)) {
      const [model, segment] = key.split(':') as [ModelName, string];
      const bucket = segments[model];
      if (bucket) bucket[segment] = (bucket[segment] ?? 0) + n;
    }
  }
  const sizes = await Promise.all(indexes.map((p) => p.customers()));
  const population = await Promise.all(indexes.map((p) => p.population()));
  const today = await clockDay(scope);
  const current = await new ThresholdsStore(scope.redis, scope.keys, scope.topic).current();
  return {
    asOf: today === null ? null : isoDay(today),
    thresholdsVersion: current?.version ?? null,
    customers: sizes.reduce((a, b) => a + b, 0),
    population: population.reduce((a, b) => a + b, 0),
    segments,
  };
}
