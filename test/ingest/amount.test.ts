import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorUnitDigits, parseInteger, parseMinorUnits } from '../../src/ingest/amount.js';

describe('parseMinorUnits', () => {
  it.each([
    ['29.33', 2933],
    ['0.29', 29],
    ['1.005', 101],
    ['1.004', 100],
    ['0.295', 30],
    ['12', 1200],
    ['12.5', 1250],
    ['.5', 50],
    ['7.', 700],
    ['0.00', 0],
    ['-3.10', -310],
    [' 11.77 ', 1177],
    ['1234567.89', 123456789],
  ])('%s dollars is %d cents', (text, cents) => {
    expect(parseMinorUnits(text, 2)).toBe(cents);
  });

  it('rounds half away from zero', () => {
    expect(parseMinorUnits('-0.125', 2)).toBe(-13);
    expect(parseMinorUnits('0.125', 2)).toBe(13);
  });

  it('uses the digits it is given', () => {
    expect(parseMinorUnits('1500', 0)).toBe(1500);
    expect(parseMinorUnits('1500.6', 0)).toBe(1501);
    expect(parseMinorUnits('1.234', 3)).toBe(1234);
  });

  it.each(['', '.', 'abc', '1,000.00', '1e3', '12.3.4', '$5', '--1', '99999999999999999999'])(
    'refuses %j',
    (text) => {
      expect(parseMinorUnits(text, 2)).toBeUndefined();
    },
  );

  it('is exact for every two-decimal amount, where floats are not', () => {
    // 0.29 * 100 = 28.999999999999996 in binary floating point.
    expect(0.29 * 100).not.toBe(29);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (cents) => {
        const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        expect(parseMinorUnits(text, 2)).toBe(cents);
      }),
    );
  });
});

describe('minorUnitDigits', () => {
  it('knows the minor units of ISO-4217 currencies', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
  });
});

describe('parseInteger', () => {
  it('reads whole numbers only', () => {
    expect(parseInteger(' 42 ')).toBe(42);
    expect(parseInteger('-7')).toBe(-7);
    expect(parseInteger('4.0')).toBeUndefined();
    expect(parseInteger('')).toBeUndefined();
    expect(parseInteger('9007199254740993')).toBeUndefined();
  });
});
