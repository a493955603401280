// Validators of option values as environment variables write them ('6', 'true',
// '90d', 'EUR=1.08'), each with a message that says what a good value looks like.
import { z } from 'zod';
import { DURATION_UNITS, parseDuration } from './duration.js';

const DAY_MS = 86_400_000;

export function integer(min: number, max: number) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue(`must be a whole number from ${min} to ${max}`);
    return z.NEVER;
  });
}

/** A decimal number in [min, max], e.g. '0.1'. */
export function decimal(min: number, max: number) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isFinite(n) && n >= min && n <= max) return n;
    ctx.addIssue(`must be a number from ${min} to ${max}`);
    return z.NEVER;
  });
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];
export const bool = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const word = value.trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  ctx.addIssue('must be true or false');
  return z.NEVER;
});

/** A duration: a number is taken in the option's own unit, text as '30s', '90d'. */
export function duration(unit: 'ms' | 'days') {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? (unit === 'days' ? value * DAY_MS : value) : parseDuration(value);
    if (ms === undefined || !Number.isSafeInteger(ms) || ms <= 0) {
      ctx.addIssue(
        `must be a positive duration with a unit (${DURATION_UNITS.join(', ')}), e.g. '90d' or '30s'`,
      );
      return z.NEVER;
    }
    if (unit === 'ms') return ms;
    if (ms % DAY_MS !== 0) {
      ctx.addIssue("must be whole days, e.g. '1d' or '365d'");
      return z.NEVER;
    }
    return ms / DAY_MS;
  });
}

export const text = z.string().trim().min(1, 'must not be empty');
export const optionalText = z.string().optional();

const KAFKA_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
export const topicName = text.regex(KAFKA_NAME, 'must be a Kafka topic name: letters, digits, ".", "_", "-"');

const BROKER = /^(\[[0-9a-fA-F:]+\]|[^\s:[\],]+):\d{1,5}$/;
export const brokers = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const list = (typeof value === 'string' ? value.split(',') : value).map((b) => b.trim()).filter(Boolean);
  const bad = list.filter((b) => !BROKER.test(b));
  if (list.length === 0 || bad.length > 0) {
    ctx.addIssue('must be a comma-separated list of host:port, e.g. 127.0.0.1:9092,kafka-2:9092');
    return z.NEVER;
  }
  return list;
});

export function url(protocols: readonly string[], example: string) {
  return text.transform((value, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue(`must be a URL, e.g. ${example}`);
      return z.NEVER;
    }
    if (!protocols.includes(parsed.protocol)) {
      ctx.addIssue(`must start with ${protocols.map((p) => `${p}//`).join(' or ')}, e.g. ${example}`);
      return z.NEVER;
    }
    return value.replace(/\/+$/, '');
  });
}

export const redisUrl = url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379/0').superRefine((value, ctx) => {
  const db = new URL(value).pathname.slice(1);
  if (db !== '' && !/^\d+$/.test(db))
    ctx.addIssue('its path must be a database number, e.g. redis://host:6379/0');
});

export const currency = text
  .transform((c) => c.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 currency code, e.g. USD'));

export const exchangeRates = z
  .union([z.string(), z.record(z.string(), z.number())])
  .transform((value, ctx) => {
    const entries =
      typeof value === 'string'
        ? value
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean)
            .map((item) => {
              const [code = '', rate = ''] = item.split('=').map((part) => part.trim());
              return [code, /^\d+(\.\d+)?$/.test(rate) ? Number(rate) : Number.NaN] as const;
            })
        : Object.entries(value);
    const rates: Record<string, number> = {};
    for (const [code, rate] of entries) {
      const upper = code.toUpperCase();
      if (!/^[A-Z]{3}$/.test(upper) || !Number.isFinite(rate) || rate <= 0) {
        ctx.addIssue(
          'must be a comma-separated list of CODE=rate (units of the reporting currency per unit), e.g. EUR=1.08,GBP=1.27',
        );
        return z.NEVER;
      }
      rates[upper] = rate;
    }
    return rates;
  });
