import { describe, expect, it } from 'vitest';
import { CHURN_LEVELS, CHURN_REASONS, type ChurnRisk } from '../../src/domain/churn.js';
import { MODELS, SEGMENTS_OF, type Segments } from '../../src/domain/segments.js';
import { emptyRecord, sameRecord } from '../../src/processor/evaluate.js';
import { MemberIndex } from '../../src/processor/member-index.js';
import type { MemberRecord } from '../../src/state/member-record.js';

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function recordFrom(next: () => number): MemberRecord {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const small = () => Math.floor(next() * 3);
  const day = () => (next() < 0.3 ? null : 100 + small());
  const segments: Segments | null =
    next() < 0.2
      ? null
      : (Object.fromEntries(MODELS.map((m) => [m, pick(SEGMENTS_OF[m].slice(0, 2))])) as Segments);
  const reasons = CHURN_REASONS.filter(() => next() < 0.3);
  const churn: ChurnRisk | null =
    next() < 0.3
      ? null
      : { level: pick(CHURN_LEVELS), reasons: next() < 0.1 ? [...reasons].reverse() : reasons };
  return {
    ...emptyRecord(),
    f: small(),
    m: small() * 1000,
    recent90Count: small(),
    recent90Spend: small(),
    lifetimeTransactions: small(),
    lifetimeSpend: small(),
    firstPurchaseDay: day(),
    secondPurchaseDay: day(),
    lastPurchaseDay: day(),
    signedUp: next() < 0.5,
    segments,
    scores: next() < 0.3 ? null : { r: 1 + small(), f: 1 + small(), m: 1 + small() },
    churn,
    thresholdsVersion: next() < 0.5 ? null : '2024-01-01',
    dueDay: day(),
  };
}

const FIELDS = Object.keys(emptyRecord()) as (keyof MemberRecord)[];

describe('MemberIndex.matches', () => {
  it('agrees with sameRecord against the record it holds', () => {
    const next = random(7);
    const members = new MemberIndex();
    let same = 0;
    for (let i = 0; i < 20_000; i++) {
      const id = `c${Math.floor(next() * 50)}`;
      const held = members.get(id);
      const fresh = recordFrom(next);
      // Mostly what is held with at most one field from another record: close calls.
      const field = FIELDS[Math.floor(next() * (FIELDS.length + 1))];
      const candidate =
        held && next() < 0.7 ? (field ? { ...held, [field]: fresh[field] } : { ...held }) : fresh;
      const expected = held !== null && sameRecord(held, candidate);
      expect(members.matches(id, candidate)).toBe(expected);
      if (expected) same++;
      // A copy of what is held always matches.
      if (held) expect(members.matches(id, { ...held })).toBe(true);
      if (next() < 0.5) members.set(id, candidate);
    }
    expect(same).toBeGreaterThan(0);
  });
});
