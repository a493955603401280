// What a partition keeps of each of its customers besides the full state: the
// customer's facts as of its last full evaluation, its segments, scores and churn
// risk, and its next due day. Held in memory by the processor for every customer
// of its partitions (population thresholds, due days, re-evaluation when only the
// clock or the thresholds moved), stored in the partition's `members` hash as a
// compact binary record so a restart rebuilds it without reading every customer.
import { CHURN_LEVELS, CHURN_REASONS, type ChurnRisk } from '../domain/churn.js';
import type { RfmScores } from '../domain/classify.js';
import type { CustomerFacts } from '../domain/facts.js';
import { MODELS, SEGMENTS_OF, type Segments } from '../domain/segments.js';
import { isoDay } from '../domain/time.js';
import { BinaryReader, BinaryWriter } from './binary.js';

export interface MemberRecord {
  /** Facts as of the last full evaluation, but for `r`, which follows from the day. */
  f: number;
  m: number;
  recent90Count: number;
  recent90Spend: number;
  prior90Count: number;
  prior90Spend: number;
  lifetimeTransactions: number;
  lifetimeSpend: number;
  firstPurchaseDay: number | null;
  secondPurchaseDay: number | null;
  lastPurchaseDay: number | null;
  signedUp: boolean;
  /** Net spend of the repeat transactions: what the value models need besides the days. */
  repeatSpend: number;
  segments: Segments | null;
  scores: RfmScores | null;
  churn: ChurnRisk | null;
  thresholdsVersion: string | null;
  /** The next day time alone may change the customer's answer; null for none. */
  dueDay: number | null;
}

const FORMAT = 1;
const EMPTY_VERSION = '0000-00-00';
const DAY_MS = 86_400_000;

/** The facts as of `today`, from a record taken between its due days. */
export function factsOfRecord(record: MemberRecord, today: number): CustomerFacts {
  return {
    signedUp: record.signedUp,
    lifetimeTransactions: record.lifetimeTransactions,
    firstPurchaseDay: record.firstPurchaseDay,
    lastPurchaseDay: record.lastPurchaseDay,
    lifetimeSpend: record.lifetimeSpend,
    f: record.f,
    m: record.m,
    r: record.lastPurchaseDay === null ? null : today - record.lastPurchaseDay,
    recent90Count: record.recent90Count,
    recent90Spend: record.recent90Spend,
    prior90Count: record.prior90Count,
    prior90Spend: record.prior90Spend,
  };
}

export function encodeMemberRecord(record: MemberRecord): Buffer {
  const w = new BinaryWriter(48)
    .byte(FORMAT)
    .uint(record.f)
    .uint(record.m)
    .uint(record.recent90Count)
    .int(record.recent90Spend)
    .uint(record.prior90Count)
    .int(record.prior90Spend)
    .uint(record.lifetimeTransactions)
    .uint(record.lifetimeSpend)
    .nullable(record.firstPurchaseDay)
    .nullable(record.secondPurchaseDay)
    .nullable(record.lastPurchaseDay)
    .byte(record.signedUp ? 1 : 0)
    .uint(record.repeatSpend);
  for (const model of MODELS) w.byte(segmentCode(model, record.segments?.[model] ?? null));
  w.byte(scoresCode(record.scores));
  w.byte(record.churn ? CHURN_LEVELS.indexOf(record.churn.level) + 1 : 0);
  w.byte(record.churn ? reasonsMask(record.churn) : 0);
  w.uint(versionCode(record.thresholdsVersion));
  w.nullable(record.dueDay);
  return w.toBuffer();
}

export function decodeMemberRecord(buffer: Buffer): MemberRecord {
  const r = new BinaryReader(buffer);
  const format = r.byte();
  if (format !== FORMAT) throw new Error(`member record format ${format} is not ${FORMAT}`);
  const record: MemberRecord = {
    f: r.uint(),
    m: r.uint(),
    recent90Count: r.uint(),
    recent90Spend: r.int(),
    prior90Count: r.uint(),
    prior90Spend: r.int(),
    lifetimeTransactions: r.uint(),
    lifetimeSpend: r.uint(),
    firstPurchaseDay: r.nullable(),
    secondPurchaseDay: r.nullable(),
    lastPurchaseDay: r.nullable(),
    signedUp: r.byte() === 1,
    repeatSpend: r.uint(),
    segments: null,
    scores: null,
    churn: null,
    thresholdsVersion: null,
    dueDay: null,
  };
  const codes = MODELS.map(() => r.byte());
  record.segments = segmentsOfCodes(codes);
  record.scores = scoresOfCode(r.byte());
  const level = r.byte();
  const mask = r.byte();
  record.churn = churnOfCodes(level, mask);
  record.thresholdsVersion = versionOfCode(r.uint());
  record.dueDay = r.nullable();
  return record;
}

/** 0 for none, else 1 + the segment's index in its model. */
export function segmentCode(model: (typeof MODELS)[number], segment: string | null): number {
  if (segment === null) return 0;
  const i = SEGMENTS_OF[model].indexOf(segment);
  if (i < 0) throw new Error(`unknown ${model} segment ${segment}`);
  return i + 1;
}

/** Segments from one code per model in MODELS order; null when every model has none (never classified). */
export function segmentsOfCodes(codes: ArrayLike<number>): Segments | null {
  let any = false;
  const segments = {} as Segments;
  MODELS.forEach((model, i) => {
    const code = codes[i] as number;
    if (code !== 0) any = true;
    segments[model] = code === 0 ? null : (SEGMENTS_OF[model][code - 1] as string);
  });
  return any ? segments : null;
}

export function scoresCode(scores: RfmScores | null): number {
  return scores ? 1 + (scores.r - 1) * 25 + (scores.f - 1) * 5 + (scores.m - 1) : 0;
}

export function scoresOfCode(code: number): RfmScores | null {
  if (code === 0) return null;
  const c = code - 1;
  return { r: 1 + Math.floor(c / 25), f: 1 + (Math.floor(c / 5) % 5), m: 1 + (c % 5) };
}

export function reasonsMask(churn: ChurnRisk): number {
  return churn.reasons.reduce((mask, reason) => mask | (1 << CHURN_REASONS.indexOf(reason)), 0);
}

export function churnOfCodes(level: number, mask: number): ChurnRisk | null {
  if (level === 0) return null;
  return {
    level: CHURN_LEVELS[level - 1] as ChurnRisk['level'],
    reasons: CHURN_REASONS.filter((_, i) => (mask & (1 << i)) !== 0),
  };
}

// Few distinct versions are alive at a time: remembered both ways.
const codes = new Map<string, number>();
const versions = new Map<number, string>();

/** 0 for none, 1 for the empty version, else 2 + its day. */
export function versionCode(version: string | null): number {
  if (version === null) return 0;
  if (version === EMPTY_VERSION) return 1;
  let code = codes.get(version);
  if (code === undefined) {
    code = 2 + Math.floor(Date.parse(`${version}T00:00:00Z`) / DAY_MS);
    if (codes.size > 10_000) codes.clear();
    codes.set(version, code);
  }
  return code;
}

export function versionOfCode(code: number): string | null {
  if (code === 0) return null;
  if (code === 1) return EMPTY_VERSION;
  let version = versions.get(code);
  if (version === undefined) {
    version = isoDay(code - 2);
    if (versions.size > 10_000) versions.clear();
    versions.set(code, version);
  }
  return version;
}
