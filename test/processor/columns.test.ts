import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountColumn, DayColumn } from '../../src/processor/columns.js';

/** Slots over many chunks (4,096 slots each), and values around the widths' edges. */
const slot = fc.nat(100_000);
const day = fc.oneof(fc.constantFrom(-1, 0, 20_000, 65_534), fc.integer({ min: -1, max: 65_534 }));
const wideDay = fc.oneof(day, fc.constantFrom(65_535, 65_536, -2, 2 ** 31 - 1, -(2 ** 31)));

describe('DayColumn', () => {
  it('gives back what was set at each slot, and -1 where nothing was, as an array does, also once a value needs 32 bits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(slot, wideDay), { maxLength: 300 }), (writes) => {
        const column = new DayColumn();
        const reference = new Map<number, number>();
        for (const [at, value] of writes) {
          column.ensure(at + 1);
          column.set(at, value);
          reference.set(at, value);
        }
        column.ensure(100_001);
        for (const [at, value] of reference) expect(column.get(at)).toBe(value);
        for (const at of [0, 32_767, 32_768, 100_000]) expect(column.get(at)).toBe(reference.get(at) ?? -1);
      }),
      { numRuns: 50 },
    );
  });

  it('takes two bytes a slot while every value is a day until 2149 or -1', () => {
    const narrow = new DayColumn();
    const wide = new DayColumn();
    for (const column of [narrow, wide]) column.ensure(1);
    narrow.set(0, 65_534);
    wide.set(0, 65_535);
    const bytes = (column: DayColumn) =>
      Object.values(column)
        .flat()
        .reduce((sum: number, chunk) => sum + ((chunk as ArrayBufferView | null)?.byteLength ?? 0), 0);
    expect(bytes(narrow)).toBe(4_096 * 2);
    expect(bytes(wide)).toBe(4_096 * 4);
    expect(wide.get(0)).toBe(65_535);
  });
});

describe('AmountColumn', () => {
  it('gives back any safe integer set, moving to 64 bits when one needs it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(slot, fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat())), {
          maxLength: 200,
        }),
        (writes) => {
          const column = new AmountColumn();
          const reference = new Map<number, number>();
          for (const [at, value] of writes) {
            column.ensure(at + 1);
            column.set(at, value);
            reference.set(at, value);
          }
          for (const [at, value] of reference) expect(column.get(at)).toBe(value);
        },
      ),
      { numRuns: 50 },
    );
  });
});
