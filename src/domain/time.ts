// Event time at day granularity: every rule of the models is in whole UTC days.

export const DAY_MS = 86_400_000;

/** The UTC day number (days since 1970-01-01) of an epoch-millisecond time. */
export function dayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/** The epoch-millisecond start of a UTC day. */
export function startOfDay(day: number): number {
  return day * DAY_MS;
}

/** `YYYY-MM-DD` of a UTC day number. */
export function isoDay(day: number): string {
  let text = isoDays.get(day);
  if (text === undefined) {
    text = new Date(startOfDay(day)).toISOString().slice(0, 10);
    // Few days are alive at a time: remembered, within a bound.
    if (isoDays.size >= 100_000) isoDays.clear();
    isoDays.set(day, text);
  }
  return text;
}

const isoDays = new Map<number, string>();

/** `YYYY-MM` of the month a UTC day is in. */
export function isoMonth(day: number): string {
  return isoDay(day).slice(0, 7);
}

/** The first day of the month a UTC day is in. */
export function monthStart(day: number): number {
  const date = new Date(startOfDay(day));
  return dayOf(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** The first day of the month after the one a UTC day is in. */
export function nextMonthStart(day: number): number {
  const date = new Date(startOfDay(day));
  return dayOf(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}
