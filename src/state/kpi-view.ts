// The population KPIs of `rfm report` and the Prometheus gauges: the churn rate
// of each month and the retention of each first-purchase cohort, summed over
// the partitions' counts.

import type { Config } from '../config/config.js';
import { RETENTION_DAYS } from '../domain/retention.js';
import { dayOf, nextMonthStart } from '../domain/time.js';
import type { Keys } from './keys.js';
import { PartitionIndex } from './partition-index.js';
import type { RedisClient } from './scripts.js';
import type { StateScope } from './views.js';

export interface MonthChurn {
  /** YYYY-MM. */
  month: string;
  /** Customers active on the month's first day. */
  active: number;
  /** Of those, the ones lapsed on the next month's first day. */
  churned: number;
  /** churned / active; null when nobody was active. */
  rate: number | null;
}

export interface CohortRetention {
  /** YYYY-MM of the first purchase. */
  cohort: string;
  customers: number;
  /** Per N of RETENTION_DAYS: customers who bought again within N days, their share, and whether that is final. */
  retained: { days: number; customers: number; ratio: number; final: boolean }[];
}

export interface PopulationKpis {
  /** Days without a purchase after which a customer counts as lapsed; null when the churn rate is off. */
  churnAfterDays: number | null;
  /** Complete months only: every partition's watermark has passed the next month's first day. */
  churn: MonthChurn[];
  retention: CohortRetention[];
}

export interface KpiScope extends StateScope {
  churnAfterDays: number | null;
  allowedLatenessDays: number;
}

/** The scope of the state of `keys`' namespace under the configuration's rules. */
export function kpiScopeOf(
  config: Pick<
    Config,
    'topics' | 'windowDays' | 'clvHorizonDays' | 'clvDiscountRate' | 'churnAfterDays' | 'allowedLatenessDays'
  >,
  redis: RedisClient,
  keys: Keys,
  partitionCount: number,
): KpiScope {
  return {
    redis,
    keys,
    topic: config.topics.orders,
    partitionCount,
    windowDays: config.windowDays,
    clvHorizonDays: config.clvHorizonDays,
    clvDiscountRate: config.clvDiscountRate,
    churnAfterDays: config.churnAfterDays,
    allowedLatenessDays: config.allowedLatenessDays,
  };
}

export async function populationKpis(scope: KpiScope): Promise<PopulationKpis> {
  const indexes = Array.from(
    { length: scope.partitionCount },
    (_, p) => new PartitionIndex(scope.redis, scope.keys, scope.topic, p),
  );
  const [lapses, cohorts, clocks] = await Promise.all([
    Promise.all(indexes.map((i) => i.lapseCounts())),
    Promise.all(indexes.map((i) => i.cohortCounts())),
    Promise.all(indexes.map((i) => i.clock())),
  ]);

  // A month counts once every partition that has a clock has stored it.
  const started = lapses.filter((_, p) => clocks[p]?.today !== null);
  const months = new Set(started.flatMap((l) => Object.keys(l.churned)));
  const churn: MonthChurn[] = [...months]
    .filter((month) => started.every((l) => month in l.churned && month in l.active))
    .sort()
    .map((month) => {
      const active = started.reduce((sum, l) => sum + (l.active[month] ?? 0), 0);
      const churned = started.reduce((sum, l) => sum + (l.churned[month] ?? 0), 0);
      return { month, active, churned, rate: active > 0 ? churned / active : null };
    })
    .filter((m) => m.active > 0);

  const days = clocks.map((c) => c.today).filter((d): d is number => d !== null);
  const watermark = days.length > 0 ? Math.min(...days) - scope.allowedLatenessDays : null;
  const totals = new Map<string, number>();
  for (const counts of cohorts) {
    for (const [key, n] of Object.entries(counts)) totals.set(key, (totals.get(key) ?? 0) + n);
  }
  const retention: CohortRetention[] = [...totals.keys()]
    .filter((key) => key.endsWith(':n'))
    .map((key) => key.slice(0, -2))
    .sort()
    .map((cohort) => {
      const customers = totals.get(`${cohort}:n`) ?? 0;
      const lastDay = nextMonthStart(dayOf(Date.parse(`${cohort}-01T00:00:00Z`))) - 1;
      return {
        cohort,
        customers,
        retained: RETENTION_DAYS.map((n) => {
          const retained = totals.get(`${cohort}:d${n}`) ?? 0;
          return {
            days: n,
            customers: retained,
            ratio: customers > 0 ? retained / customers : 0,
            final: watermark !== null && watermark > lastDay + n,
          };
        }),
      };
    })
    .filter((c) => c.customers > 0);

  return { churnAfterDays: scope.churnAfterDays, churn, retention };
}
