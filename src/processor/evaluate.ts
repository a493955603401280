// Re-evaluates one customer as of a day: its facts, scores, segments, value (with
// a fitted model), churn risk, the changes against what was stored, and the
// member record to keep (src/state/member-record.ts). From the full state when
// an order arrived or a day the customer is due on came; from the member record
// alone when only the clock or the thresholds moved, which between due days
// leaves every fact but the recency as it was.
import { diffChurnRisk, diffSegments, type OutputChange, type Trigger } from '../domain/changes.js';
import { churnRiskOf, sameRisk } from '../domain/churn.js';
import { scoresOf, segmentsOf } from '../domain/classify.js';
import { customerValueOf } from '../domain/clv/customer-value.js';
import type { ValueSettings } from '../domain/clv/value-model.js';
import { type CustomerState, dropExpiredBuckets, forgetEventKeys } from '../domain/customer.js';
import { nextDueDay } from '../domain/due.js';
import { type CustomerFacts, factsOf } from '../domain/facts.js';
import { MODELS, type Segments } from '../domain/segments.js';
import type { Thresholds } from '../domain/thresholds.js';
import { factsOfRecord, type MemberRecord } from '../state/member-record.js';

/** The rules an evaluation follows besides the thresholds. */
export interface EvaluationRules {
  windowDays: number;
  /** How far behind the clock an order may still be applied: older event keys are not kept. */
  allowedLatenessDays: number;
  /** The fitted value model in use, or null before the first `rfm fit`. */
  value: ValueSettings | null;
}

export interface Evaluation {
  record: MemberRecord;
  changes: OutputChange[];
}

/** A record for a customer never seen: no facts, no segments. */
export function emptyRecord(): MemberRecord {
  return {
    f: 0,
    m: 0,
    recent90Count: 0,
    recent90Spend: 0,
    prior90Count: 0,
    prior90Spend: 0,
    lifetimeTransactions: 0,
    lifetimeSpend: 0,
    firstPurchaseDay: null,
    secondPurchaseDay: null,
    lastPurchaseDay: null,
    signedUp: false,
    repeatSpend: 0,
    segments: null,
    scores: null,
    churn: null,
    thresholdsVersion: null,
    dueDay: null,
  };
}

/**
 * Evaluates from the full state (dropping the days no rule needs any more, and
 * the event keys no order can be checked against any more).
 * `before` is the customer's record as stored, with the segments to diff against.
 */
export function evaluate(
  customerId: string,
  state: CustomerState,
  before: MemberRecord,
  today: number,
  rules: EvaluationRules,
  thresholds: Thresholds,
  trigger: Trigger,
): Evaluation {
  dropExpiredBuckets(state, today, rules.windowDays);
  forgetEventKeys(state, today - rules.allowedLatenessDays);
  const facts = factsOf(state, today, rules.windowDays);
  const dueDay = nextDueDay(state, today, rules.windowDays, rules.value);
  return judge(customerId, facts, summaryOf(state), before, today, rules, thresholds, trigger, dueDay);
}

/**
 * Evaluates from the member record alone: valid while the customer is not due
 * (nothing but the recency has changed since its record was taken), so its due
 * day stays.
 */
export function evaluateRecord(
  customerId: string,
  before: MemberRecord,
  today: number,
  rules: EvaluationRules,
  thresholds: Thresholds,
  trigger: Trigger,
): Evaluation {
  const facts = factsOfRecord(before, today);
  return judge(customerId, facts, before, before, today, rules, thresholds, trigger, before.dueDay);
}

/** What the value models read of a state: the purchase days and the repeat spend. */
type Summary = Pick<
  CustomerState,
  'firstPurchaseDay' | 'lastPurchaseDay' | 'secondPurchaseDay' | 'lifetimeTransactions' | 'repeatSpend'
>;

function summaryOf(state: CustomerState): Summary & { lifetimeSpend: number } {
  return {
    firstPurchaseDay: state.firstPurchaseDay,
    secondPurchaseDay: state.secondPurchaseDay,
    lastPurchaseDay: state.lastPurchaseDay,
    lifetimeTransactions: state.lifetimeTransactions,
    repeatSpend: state.repeatSpend,
    lifetimeSpend: Math.max(0, state.lifetimePurchases - state.lifetimeRefunds),
  };
}

function judge(
  customerId: string,
  facts: CustomerFacts,
  summary: Summary,
  before: MemberRecord,
  today: number,
  rules: EvaluationRules,
  thresholds: Thresholds,
  trigger: Trigger,
  dueDay: number | null,
): Evaluation {
  const scores = scoresOf(facts, thresholds);
  const segments = segmentsOf(facts, customerId, thresholds);
  const changes = diffSegments(
    customerId,
    before.segments,
    segments,
    facts,
    scores,
    thresholds.version,
    trigger,
  );
  const value = rules.value
    ? customerValueOf(
        { ...summary, signedUp: false, lifetimePurchases: 0, lifetimeRefunds: 0, buckets: [] },
        today,
        rules.value,
      )
    : null;
  const churn = churnRiskOf(facts, value?.pAlive ?? null);
  const churnChange = diffChurnRisk(
    customerId,
    before.churn,
    churn,
    facts,
    { pAlive: value?.pAlive ?? null, predictedClv: value?.predictedClv ?? null },
    trigger,
  );
  const outputs: OutputChange[] = changes.map((change) => ({ kind: 'segment', change }));
  if (churnChange) outputs.push({ kind: 'churn', change: churnChange });
  return {
    changes: outputs,
    record: {
      f: facts.f,
      m: facts.m,
      recent90Count: facts.recent90Count,
      recent90Spend: facts.recent90Spend,
      prior90Count: facts.prior90Count,
      prior90Spend: facts.prior90Spend,
      lifetimeTransactions: facts.lifetimeTransactions,
      lifetimeSpend: facts.lifetimeSpend,
      firstPurchaseDay: summary.firstPurchaseDay,
      secondPurchaseDay: summary.secondPurchaseDay,
      lastPurchaseDay: summary.lastPurchaseDay,
      signedUp: facts.signedUp,
      repeatSpend: summary.repeatSpend,
      segments,
      scores,
      churn,
      thresholdsVersion: thresholds.version,
      dueDay,
    },
  };
}

/**
 * Whether two records say the same about a customer, whatever version they were
 * computed with: an evaluation that changes nothing else is not stored.
 */
export function sameRecord(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.f === b.f &&
    a.m === b.m &&
    a.recent90Count === b.recent90Count &&
    a.recent90Spend === b.recent90Spend &&
    a.prior90Count === b.prior90Count &&
    a.prior90Spend === b.prior90Spend &&
    a.lifetimeTransactions === b.lifetimeTransactions &&
    a.lifetimeSpend === b.lifetimeSpend &&
    a.firstPurchaseDay === b.firstPurchaseDay &&
    a.secondPurchaseDay === b.secondPurchaseDay &&
    a.lastPurchaseDay === b.lastPurchaseDay &&
    a.signedUp === b.signedUp &&
    a.repeatSpend === b.repeatSpend &&
    a.dueDay === b.dueDay &&
    sameSegments(a.segments, b.segments) &&
    (a.scores === b.scores ||
      (a.scores !== null &&
        b.scores !== null &&
        a.scores.r === b.scores.r &&
        a.scores.f === b.scores.f &&
        a.scores.m === b.scores.m)) &&
    (a.churn === b.churn || (a.churn !== null && b.churn !== null && sameRisk(a.churn, b.churn)))
  );
}

function sameSegments(a: Segments | null, b: Segments | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return MODELS.every((model) => a[model] === b[model]);
}
