import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ID_LENGTH } from '../../src/domain/admission.js';
import { CustomerIds } from '../../src/processor/customer-ids.js';

/** Ids as orders bring them: mostly ASCII, some of any Unicode, some long, many alike. */
const customerId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.nat(5000).map((n) => `c-${n}`),
  fc.string({ minLength: MAX_ID_LENGTH - 2, maxLength: MAX_ID_LENGTH }),
);

describe('CustomerIds', () => {
  it('gives each id added the next slot, finds it again, and gives the id back, as a Map does', () => {
    fc.assert(
      fc.property(
        fc.array(customerId, { maxLength: 3000 }),
        fc.array(customerId, { maxLength: 200 }),
        (added, asked) => {
          const ids = new CustomerIds();
          const reference = new Map<string, number>();
          for (const id of added) {
            expect(ids.slotOf(id)).toBe(reference.get(id));
            if (reference.has(id)) continue;
            reference.set(id, reference.size);
            expect(ids.add(id)).toBe(reference.size - 1);
          }
          expect(ids.size).toBe(reference.size);
          for (const [id, slot] of reference) {
            expect(ids.slotOf(id)).toBe(slot);
            expect(ids.idOf(slot)).toBe(id);
          }
          for (const id of asked) expect(ids.slotOf(id)).toBe(reference.get(id));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps a million ids across byte chunks and table growths', () => {
    const ids = new CustomerIds();
    const n = 1_000_000;
    const wrong: string[] = [];
    for (let i = 0; i < n; i++) if (ids.add(`bench-run-h1-c${i}`) !== i) wrong.push(`add ${i}`);
    for (let i = 0; i < n; i += 7) {
      if (ids.slotOf(`bench-run-h1-c${i}`) !== i) wrong.push(`slotOf ${i}`);
      if (ids.idOf(i) !== `bench-run-h1-c${i}`) wrong.push(`idOf ${i}`);
    }
    expect(wrong).toEqual([]);
    expect(ids.size).toBe(n);
    expect(ids.slotOf('bench-run-h1-c1000000')).toBeUndefined();
    expect(ids.slotOf('bench-run-h1-c')).toBeUndefined();
  }, 30_000);
});
