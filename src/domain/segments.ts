// The five segment models and the names of their segments (SPEC "Segment models").

export const MODELS = ['rfm8', 'rfm-scores', 'tier', 'lifecycle', 'activity'] as const;
export type ModelName = (typeof MODELS)[number];

/** The population models put customers outside the population P here. */
export const INACTIVE = 'INACTIVE';

export const RFM8_SEGMENTS = [
  'IMPORTANT_VALUE',
  'IMPORTANT_DEVELOP',
  'IMPORTANT_RETAIN',
  'IMPORTANT_WINBACK',
  'GENERAL_VALUE',
  'GENERAL_DEVELOP',
  'GENERAL_RETAIN',
  'GENERAL_WINBACK',
  INACTIVE,
] as const;
export type Rfm8Segment = (typeof RFM8_SEGMENTS)[number];

export const RFM_SCORE_SEGMENTS = [
  'CHAMPIONS',
  'LOYAL',
  'NEW',
  'PROMISING',
  'POTENTIAL_LOYALIST',
  'NEED_ATTENTION',
  'ABOUT_TO_SLEEP',
  'CANT_LOSE',
  'AT_RISK',
  'LOST',
  'OTHERS',
  INACTIVE,
] as const;
export type RfmScoreSegment = (typeof RFM_SCORE_SEGMENTS)[number];

export const TIER_SEGMENTS = ['A', 'B', 'C', INACTIVE] as const;
export type TierSegment = (typeof TIER_SEGMENTS)[number];

export const LIFECYCLE_SEGMENTS = ['PROSPECT', 'FIRST_PURCHASE', 'REPEAT', 'LOYAL', 'LAPSED'] as const;
export type LifecycleSegment = (typeof LIFECYCLE_SEGMENTS)[number];

export const ACTIVITY_SEGMENTS = ['ACTIVE', 'DOZING', 'HALF_ASLEEP', 'DEEP_SLEEP'] as const;
export type ActivitySegment = (typeof ACTIVITY_SEGMENTS)[number];

export const SEGMENTS_OF: Record<ModelName, readonly string[]> = {
  rfm8: RFM8_SEGMENTS,
  'rfm-scores': RFM_SCORE_SEGMENTS,
  tier: TIER_SEGMENTS,
  lifecycle: LIFECYCLE_SEGMENTS,
  activity: ACTIVITY_SEGMENTS,
};

/** A customer's segment in every model; null where a model has no answer yet (no purchase, no signup). */
export type Segments = Record<ModelName, string | null>;
