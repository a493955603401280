import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['90d', 7_776_000_000],
    ['1.5h', 5_400_000],
    [' 2 d ', 172_800_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['90', 'd', '-1d', '1w', '1.5', '10 days', '0.0001s', ''])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats durations back in their largest exact unit', () => {
    expect(formatDuration(31_536_000_000)).toBe('365d');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(parseDuration(formatDuration(5_400_000))).toBe(5_400_000);
  });
});
