// Event times as order files write them, to epoch milliseconds.

export const TIME_FORMATS = ['iso', 'epoch-ms', 'yyyymmdd'] as const;
export type TimeFormat = (typeof TIME_FORMATS)[number];

// An ISO-8601 date-time must say its offset: without one, Date.parse would use
// the importing machine's time zone and two machines would import different times.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch milliseconds of a written time, or undefined when it is not one in `format`. */
export function parseEventTime(text: string, format: TimeFormat): number | undefined {
  const value = text.trim();
  switch (format) {
    case 'epoch-ms': {
      if (!/^\d+$/.test(value)) return undefined;
      const ms = Number(value);
      return Number.isSafeInteger(ms) ? ms : undefined;
    }
    case 'yyyymmdd':
      return noonOf(value);
    case 'iso': {
      if (ISO_DATE.test(value)) return noonOf(value.replaceAll('-', ''));
      if (!ISO_DATE_TIME.test(value)) return undefined;
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? undefined : ms;
    }
  }
}

/**
 * Noon UTC of a YYYYMMDD date. Files of daily data have no time of day; noon
 * keeps the event on its written date in every time zone within 11 hours of UTC.
 */
export function noonOf(yyyymmdd: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!match) return undefined;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const time = Date.UTC(year, month - 1, day, 12);
  const date = new Date(time);
  // Date.UTC rolls 1997-02-31 over into March; only a real date survives the round trip.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return time;
}
