// Changes a customer's evaluation produces: segment changes and churn-risk
// changes, each with an id that is the same however often it is recomputed.
import { hash } from 'node:crypto';
import { type ChurnLevel, type ChurnReason, type ChurnRisk, sameRisk } from './churn.js';
import type { RfmScores } from './classify.js';
import type { CustomerFacts } from './facts.js';
import { MODELS, type ModelName, type Segments } from './segments.js';

export const CHANGE_CAUSES = ['ORDER', 'REFUND', 'TIME', 'THRESHOLDS'] as const;
export type ChangeCause = (typeof CHANGE_CAUSES)[number];

export interface SegmentChange {
  eventId: string;
  customerId: string;
  model: ModelName;
  previousSegment: string | null;
  segment: string;
  cause: ChangeCause;
  eventTime: number;
  recencyDays: number | null;
  frequency: number;
  monetaryMinor: number;
  recencyScore: number | null;
  frequencyScore: number | null;
  monetaryScore: number | null;
  thresholdsVersion: string;
}

export interface ChurnRiskChange {
  eventId: string;
  customerId: string;
  previousLevel: ChurnLevel | null;
  level: ChurnLevel;
  reasons: ChurnReason[];
  daysSinceLastPurchase: number | null;
  pAlive: number | null;
  predictedClv: number | null;
  eventTime: number;
}

/** What the outbox holds and the publisher sends: either kind of change. */
export type OutputChange =
  | { kind: 'segment'; change: SegmentChange }
  | { kind: 'churn'; change: ChurnRiskChange };

/** What made the evaluation happen: an input event, the clock, or a new thresholds version. */
export interface Trigger {
  cause: ChangeCause;
  /** The input event id for ORDER and REFUND; the day (YYYY-MM-DD) for TIME; the version for THRESHOLDS. */
  ref: string;
  eventTime: number;
}

/**
 * The change id is a digest of what identifies the change: customer, model, the
 * two segments and its trigger. Recomputing after a crash gives the same id.
 */
export function changeId(
  customerId: string,
  model: ModelName,
  from: string | null,
  to: string,
  trigger: Trigger,
): string {
  return hash(
    'sha256',
    [customerId, model, from ?? '', to, trigger.cause, trigger.ref].join('\u0000'),
    'hex',
  ).slice(0, 32);
}

export function diffSegments(
  customerId: string,
  before: Segments | null,
  after: Segments,
  facts: CustomerFacts,
  scores: RfmScores | null,
  thresholdsVersion: string,
  trigger: Trigger,
): SegmentChange[] {
  const changes: SegmentChange[] = [];
  for (const model of MODELS) {
    const from = before?.[model] ?? null;
    const to = after[model];
    if (to === null || to === from) continue;
    changes.push({
      eventId: changeId(customerId, model, from, to, trigger),
      customerId,
      model,
      previousSegment: from,
      segment: to,
      cause: trigger.cause,
      eventTime: trigger.eventTime,
      recencyDays: facts.r,
      frequency: facts.f,
      monetaryMinor: facts.m,
      recencyScore: scores?.r ?? null,
      frequencyScore: scores?.f ?? null,
      monetaryScore: scores?.m ?? null,
      thresholdsVersion,
    });
  }
  return changes;
}

/**
 * The churn-risk change between the stored and the new assessment, or null when
 * level and reasons are the same. A customer never assessed counts as NONE, so
 * a new customer at NONE is no change.
 */
export function diffChurnRisk(
  customerId: string,
  before: ChurnRisk | null,
  after: ChurnRisk,
  facts: CustomerFacts,
  value: { pAlive: number | null; predictedClv: number | null },
  trigger: Trigger,
): ChurnRiskChange | null {
  if (sameRisk(before ?? { level: 'NONE', reasons: [] }, after)) return null;
  return {
    eventId: hash(
      'sha256',
      [
        customerId,
        'churn',
        before?.level ?? '',
        after.level,
        after.reasons.join(','),
        trigger.cause,
        trigger.ref,
      ].join('\u0000'),
      'hex',
    ).slice(0, 32),
    customerId,
    previousLevel: before?.level ?? null,
    level: after.level,
    reasons: after.reasons,
    daysSinceLastPurchase: facts.r,
    pAlive: value.pAlive,
    predictedClv: value.predictedClv,
    eventTime: trigger.eventTime,
  };
}
