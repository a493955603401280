// The population KPIs as Prometheus gauges, read from the state when scraped:
// the churn rate of each complete month and the retention of each cohort.
import { Gauge, type Registry } from 'prom-client';
import type { PopulationKpis } from '../state/kpi-view.js';

/** One read of the state serves every gauge of a scrape. */
const FRESH_MS = 1_000;

export function registerKpiGauges(registry: Registry, read: () => Promise<PopulationKpis>): void {
  let last: { at: number; kpis: Promise<PopulationKpis> } | null = null;
  const kpis = () => {
    if (!last || Date.now() - last.at > FRESH_MS) last = { at: Date.now(), kpis: read() };
    return last.kpis;
  };
  new Gauge({
    name: 'rfm_churn_rate',
    help: "Share of the customers active on a month's first day who were lapsed on the next month's first day (RFM_CHURN_AFTER days without a purchase)",
    labelNames: ['month'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const m of (await kpis()).churn) if (m.rate !== null) this.set({ month: m.month }, m.rate);
    },
  });
  new Gauge({
    name: 'rfm_cohort_customers',
    help: 'Customers whose first purchase was in the cohort month',
    labelNames: ['cohort'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await kpis()).retention) this.set({ cohort: c.cohort }, c.customers);
    },
  });
  new Gauge({
    name: 'rfm_cohort_retention_ratio',
    help: 'Share of a first-purchase cohort that bought again within the given days of its first purchase',
    labelNames: ['cohort', 'days'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await kpis()).retention) {
        for (const r of c.retained) this.set({ cohort: c.cohort, days: String(r.days) }, r.ratio);
      }
    },
  });
}
