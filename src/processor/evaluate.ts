// Re-evaluates one stored customer as of a day: its facts, scores, segments,
// churn risk, the changes against what was stored, its index entry and its
// next due day.
import { diffChurnRisk, diffSegments, type OutputChange, type Trigger } from '../domain/changes.js';
import { churnRiskOf } from '../domain/churn.js';
import { scoresOf, segmentsOf } from '../domain/classify.js';
import { dropExpiredBuckets } from '../domain/customer.js';
import { nextDueDay } from '../domain/due.js';
import { type CustomerFacts, factsOf } from '../domain/facts.js';
import type { Thresholds } from '../domain/thresholds.js';
import type { StoredCustomer } from '../state/customer-store.js';
import type { IndexEntry } from '../state/partition-index.js';

export interface Evaluation {
  facts: CustomerFacts;
  changes: OutputChange[];
  index: IndexEntry;
}

/** Updates `customer` in place (segments, scores, version used) and returns what changed. */
export function evaluate(
  customer: StoredCustomer,
  today: number,
  windowDays: number,
  thresholds: Thresholds,
  trigger: Trigger,
): Evaluation {
  dropExpiredBuckets(customer.state, today, windowDays);
  const facts = factsOf(customer.state, today, windowDays);
  const scores = scoresOf(facts, thresholds);
  const segments = segmentsOf(facts, customer.customerId, thresholds);
  const changes = diffSegments(
    customer.customerId,
    customer.segments,
    segments,
    facts,
    scores,
    thresholds.version,
    trigger,
  );
  const churn = churnRiskOf(facts, null);
  const churnChange = diffChurnRisk(
    customer.customerId,
    customer.churn,
    churn,
    facts,
    { pAlive: null, predictedClv: null },
    trigger,
  );
  customer.segments = segments;
  customer.scores = scores;
  customer.churn = churn;
  customer.thresholdsVersion = thresholds.version;
  const outputs: OutputChange[] = changes.map((change) => ({ kind: 'segment', change }));
  if (churnChange) outputs.push({ kind: 'churn', change: churnChange });
  return { facts, changes: outputs, index: indexEntryOf(customer, facts, today, windowDays) };
}

export function indexEntryOf(
  customer: StoredCustomer,
  facts: CustomerFacts,
  today: number,
  windowDays: number,
): IndexEntry {
  return {
    customerId: customer.customerId,
    inPopulation: facts.f > 0,
    lastPurchaseDay: facts.lastPurchaseDay,
    f: facts.f,
    m: facts.m,
    dueDay: nextDueDay(customer.state, today, windowDays),
    segments: customer.segments,
  };
}
