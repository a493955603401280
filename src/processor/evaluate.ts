// Re-evaluates one stored customer as of a day: its facts, scores, segments,
// value (with a fitted model), churn risk, the changes against what was stored,
// its index entry and its next due day.
import { diffChurnRisk, diffSegments, type OutputChange, type Trigger } from '../domain/changes.js';
import { churnRiskOf } from '../domain/churn.js';
import { scoresOf, segmentsOf } from '../domain/classify.js';
import { type CustomerValue, customerValueOf } from '../domain/clv/customer-value.js';
import type { ValueSettings } from '../domain/clv/value-model.js';
import { dropExpiredBuckets } from '../domain/customer.js';
import { nextDueDay } from '../domain/due.js';
import { type CustomerFacts, factsOf } from '../domain/facts.js';
import { cohortMembershipOf } from '../domain/retention.js';
import type { Thresholds } from '../domain/thresholds.js';
import type { StoredCustomer } from '../state/customer-store.js';
import type { IndexEntry } from '../state/partition-index.js';

/** The rules an evaluation follows besides the thresholds. */
export interface EvaluationRules {
  windowDays: number;
  /** The fitted value model in use, or null before the first `rfm fit`. */
  value: ValueSettings | null;
}

export interface Evaluation {
  facts: CustomerFacts;
  value: CustomerValue | null;
  changes: OutputChange[];
  index: IndexEntry;
}

/** Updates `customer` in place (segments, scores, version used) and returns what changed. */
export function evaluate(
  customer: StoredCustomer,
  today: number,
  rules: EvaluationRules,
  thresholds: Thresholds,
  trigger: Trigger,
): Evaluation {
  const { windowDays } = rules;
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
  const value = rules.value ? customerValueOf(customer.state, today, rules.value) : null;
  const churn = churnRiskOf(facts, value?.pAlive ?? null);
  const churnChange = diffChurnRisk(
    customer.customerId,
    customer.churn,
    churn,
    facts,
    { pAlive: value?.pAlive ?? null, predictedClv: value?.predictedClv ?? null },
    trigger,
  );
  customer.segments = segments;
  customer.scores = scores;
  customer.churn = churn;
  customer.thresholdsVersion = thresholds.version;
  const outputs: OutputChange[] = changes.map((change) => ({ kind: 'segment', change }));
  if (churnChange) outputs.push({ kind: 'churn', change: churnChange });
  return { facts, value, changes: outputs, index: indexEntryOf(customer, facts, today, rules) };
}

export function indexEntryOf(
  customer: StoredCustomer,
  facts: CustomerFacts,
  today: number,
  rules: EvaluationRules,
): IndexEntry {
  return {
    customerId: customer.customerId,
    inPopulation: facts.f > 0,
    lastPurchaseDay: facts.lastPurchaseDay,
    f: facts.f,
    m: facts.m,
    dueDay: nextDueDay(customer.state, today, rules.windowDays, rules.value),
    segments: customer.segments,
    cohort: cohortMembershipOf(customer.state),
  };
}
