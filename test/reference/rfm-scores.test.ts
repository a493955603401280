// rfm-scores: the cuts against a brute-force rank on random populations, ties,
// and the order of the rule table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RFM_SCORE_SEGMENTS } from '../../src/domain/segments.js';
import {
  type CustomerFacts,
  customerFacts,
  referenceScores,
  referenceSegments,
  rfmScoreSegment,
  thresholdsOfFacts,
} from '../../src/reference/index.js';
import { facts, purchase, purchases } from './builders.js';

describe('rfm-scores', () => {
  const population = fc.uniqueArray(
    fc.record({
      customerId: fc.string({ maxLength: 3 }),
      r: fc.integer({ min: 0, max: 12 }),
      f: fc.integer({ min: 1, max: 6 }),
      m: fc.integer({ min: 0, max: 15 }),
    }),
    { minLength: 1, maxLength: 40, selector: (c) => c.customerId },
  );

  /** 1 + floor(5 * below / |P|) per dimension, "below" being fewer, less or longer ago than the probe. */
  function bruteScores(members: CustomerFacts[], probe: { r: number; f: number; m: number }) {
    const score = (isBelow: (c: CustomerFacts) => boolean) =>
      1 + Math.floor((5 * members.filter(isBelow).length) / members.length);
    return {
      r: score((c) => (c.r ?? 0) > probe.r),
      f: score((c) => c.f < probe.f),
      m: score((c) => c.m < probe.m),
    };
  }

  it('gives every member of P 1 + floor(5 * below / |P|) in each dimension', () => {
    fc.assert(
      fc.property(population, (rows) => {
        const members = rows.map((row) => facts(row));
        const thresholds = thresholdsOfFacts(members, 1000);
        for (const member of members) {
          const expected = bruteScores(members, { r: member.r ?? 0, f: member.f, m: member.m });
          expect(referenceScores(member, thresholds)).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('extends the rank, capped at 5, to customers outside the population the version was computed from', () => {
    const probe = fc.record({
      r: fc.integer({ min: 0, max: 14 }),
      f: fc.integer({ min: 1, max: 8 }),
      m: fc.integer({ min: 0, max: 17 }),
    });
    fc.assert(
      fc.property(population, probe, (rows, values) => {
        const members = rows.map((row) => facts(row));
        const thresholds = thresholdsOfFacts(members, 1000);
        const { r, f, m } = bruteScores(members, values);
        expect(referenceScores(facts(values), thresholds)).toEqual({
          r: Math.min(5, r),
          f: Math.min(5, f),
          m: Math.min(5, m),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('shares a score among ties', () => {
    // f: 1 1 1 1 2 -> below = 0 for the four 1s, 4 for the 2.
    const members = [1, 1, 1, 1, 2].map((f, i) => facts({ customerId: `c${i}`, f, r: 5, m: 10 }));
    const thresholds = thresholdsOfFacts(members, 1000);
    expect(members.map((c) => referenceScores(c, thresholds)?.f)).toEqual([1, 1, 1, 1, 5]);
  });

  it('takes the first rule of the table that matches, else OTHERS', () => {
    const cases: [number, number, number, string][] = [
      [5, 5, 5, 'CHAMPIONS'], // also LOYAL
      [4, 4, 4, 'CHAMPIONS'],
      [3, 4, 4, 'LOYAL'],
      [2, 3, 3, 'LOYAL'], // also NEED_ATTENTION, AT_RISK
      [5, 1, 1, 'NEW'], // also POTENTIAL_LOYALIST
      [4, 1, 1, 'NEW'], // also PROMISING
      [3, 1, 1, 'PROMISING'], // also POTENTIAL_LOYALIST, ABOUT_TO_SLEEP
      [5, 2, 3, 'POTENTIAL_LOYALIST'],
      [3, 3, 2, 'POTENTIAL_LOYALIST'], // also NEED_ATTENTION
      [2, 2, 2, 'NEED_ATTENTION'], // also ABOUT_TO_SLEEP, AT_RISK
      [2, 1, 2, 'ABOUT_TO_SLEEP'], // also LOST
      [2, 1, 1, 'ABOUT_TO_SLEEP'],
      [1, 5, 4, 'CANT_LOSE'], // also AT_RISK
      [1, 3, 5, 'AT_RISK'],
      [2, 5, 2, 'AT_RISK'],
      [1, 2, 2, 'AT_RISK'], // also LOST
      [1, 1, 2, 'LOST'],
      [1, 1, 3, 'OTHERS'],
      [5, 4, 1, 'OTHERS'],
      [2, 5, 1, 'OTHERS'],
    ];
    for (const [r, f, m, segment] of cases) {
      expect(rfmScoreSegment({ r, f, m }), `(${r},${f},${m})`).toBe(segment);
    }
  });

  it('reaches every named segment: none is shadowed by the rules before it', () => {
    const reached = new Set<string>();
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        for (let m = 1; m <= 5; m++) reached.add(rfmScoreSegment({ r, f, m }));
      }
    }
    expect([...reached].sort()).toEqual(RFM_SCORE_SEGMENTS.filter((s) => s !== 'INACTIVE').sort());
  });

  it('names a recent one-off small spender NEW in a real population', () => {
    const orders = [
      purchase('newcomer', 999, 1),
      ...purchases('p', [900, 950], 50),
      ...purchases('q', [800, 850, 990], 30),
      ...purchases('s', [700, 960], 40),
      ...purchases('t', [600, 700, 800, 998], 60),
    ];
    const population = [...customerFacts(orders, 1000, 365).values()];
    const thresholds = thresholdsOfFacts(population, 1000);
    const newcomer = population.find((c) => c.customerId === 'newcomer');
    if (!newcomer) throw new Error('no newcomer');
    expect(referenceScores(newcomer, thresholds)).toEqual({ r: 5, f: 1, m: 1 });
    expect(referenceSegments(newcomer, thresholds)['rfm-scores']).toBe('NEW');
  });
});
