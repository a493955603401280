// The whole of CDNOW_master through Kafka: imported with `rfm import --preset
// cdnow`, processed by the processor, and every customer's state and segments
// compared with the batch reference at the last event's day. Then replayed with
// `rfm backfill`: into an empty namespace, interrupted and resumed, it gives the
// live run's state and event ids; into the live namespace, it changes nothing.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationSummaries } from '../../src/domain/clv/calibration.js';
import { fitValueModels } from '../../src/domain/clv/fit.js';
import { factsOf } from '../../src/domain/facts.js';
import type { Order } from '../../src/domain/order.js';
import { RETENTION_DAYS } from '../../src/domain/retention.js';
import { MODELS } from '../../src/domain/segments.js';
import type { Thresholds } from '../../src/domain/thresholds.js';
import { dayOf, nextMonthStart } from '../../src/domain/time.js';
import { presetFile } from '../../src/ingest/source.js';
import { registerKpiGauges } from '../../src/ops/kpi-gauges.js';
import {
  readCdnowMaster,
  referenceChurn,
  referenceMonthChurn,
  referenceRetention,
  referenceSnapshot,
} from '../../src/reference/index.js';
import { CustomerStore } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { populationKpis } from '../../src/state/kpi-view.js';
import { PartitionIndex } from '../../src/state/partition-index.js';
import { ThresholdsStore } from '../../src/state/thresholds-store.js';
import { startBackfill } from '../../src/stream/backfill.js';
import { replayOrders } from '../../src/stream/order-replay.js';
import { startProcessor } from '../../src/stream/processor-runner.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { collectEventIds, testKafka } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { differences, dumpNamespace } from '../support/state-dump.js';
import { importPreset, setUpTopics } from '../support/topics.js';

const silent = pino({ level: 'silent' });
const PARTITIONS = 3;
/** The calibration period of the papers: 1997-01-01 .. 1997-09-30, in weeks. */
const CDNOW_CALIBRATION = { calibrationEndDay: dayOf(Date.UTC(1997, 8, 30)), daysPerUnit: 7 };

describe('CDNOW_master through Kafka, against the reference', () => {
  const config = testConfig('cdnow', { topics: { partitions: PARTITIONS } });
  const redis = new Redis(stackEndpoints().redisUrl);
  const replayConfig = { ...config, namespace: `${config.namespace}-replay` };
  let runSeconds = 0;

  beforeAll(async () => {
    await setUpTopics(config);
    const summary = await importPreset(config, 'cdnow');
    expect(summary.sent).toBe(69_659);
    const started = performance.now();
    const processor = await startProcessor(config, pino({ level: 'error' }));
    await processor.idle();
    await processor.stop();
    runSeconds = (performance.now() - started) / 1000;
    console.log(
      `[cdnow] processed 69,659 orders in ${runSeconds.toFixed(1)} s, ${processor.stats.changes} changes`,
    );
  }, 900_000);

  afterAll(async () => {
    await dropNamespace(redis, config.namespace);
    await dropNamespace(redis, replayConfig.namespace);
    redis.disconnect();
  });

  it('has every customer in the state and segments of the reference, with zero mismatches', async () => {
    const orders = readCdnowMaster(presetFile('cdnow'));
    const lastDay = Math.max(...orders.map((o) => dayOf(o.eventTime)));
    const keys = new Keys(config.namespace);
    const thresholds = (await new ThresholdsStore(redis, keys, config.topics.orders).current()) as Thresholds;
    expect(thresholds.day).toBe(lastDay);
    for (let p = 0; p < PARTITIONS; p++) {
      expect((await new PartitionIndex(redis, keys, config.topics.orders, p).clock()).today).toBe(lastDay);
    }

    const reference = referenceSnapshot(orders, {
      today: lastDay,
      windowDays: config.windowDays,
      thresholdsDay: lastDay,
    });
    expect(thresholds).toEqual(reference.thresholds);
    expect(reference.customers.size).toBe(23_570);

    const stored = await new CustomerStore(redis, keys).readMany(reference.customers.keys());
    const mismatches: Record<string, number> = { missing: 0, r: 0, f: 0, m: 0, scores: 0, churn: 0 };
    for (const model of MODELS) mismatches[model] = 0;
    const examples: string[] = [];
    for (const [id, expected] of reference.customers) {
      const customer = stored.get(id);
      if (!customer || customer.version === '') {
        mismatches.missing = (mismatches.missing ?? 0) + 1;
        continue;
      }
      const facts = factsOf(customer.state, lastDay, config.windowDays);
      const count = (what: string, same: boolean) => {
        if (same) return;
        mismatches[what] = (mismatches[what] ?? 0) + 1;
        if (examples.length < 10) examples.push(`${id} ${what}`);
      };
      count('r', facts.r === expected.r);
      count('f', facts.f === expected.f);
      count('m', facts.m === expected.m);
      count('scores', JSON.stringify(customer.scores) === JSON.stringify(expected.scores));
      for (const model of MODELS) count(model, customer.segments?.[model] === expected.segments[model]);
      count('churn', JSON.stringify(customer.churn) === JSON.stringify(referenceChurn(expected)));
    }
    expect({ mismatches, examples }).toEqual({
      mismatches: {
        missing: 0,
        r: 0,
        f: 0,
        m: 0,
        scores: 0,
        churn: 0,
        rfm8: 0,
        'rfm-scores': 0,
        tier: 0,
        lifecycle: 0,
        activity: 0,
      },
      examples: [],
    });
  });

  it('has the churn rate of every complete month and the retention of every cohort of the reference, also as gauges', async () => {
    const orders = readCdnowMaster(presetFile('cdnow'));
    const lapse = config.churnAfterDays as number;
    const kpis = await populationKpis({
      redis,
      keys: new Keys(config.namespace),
      topic: config.topics.orders,
      partitionCount: PARTITIONS,
      windowDays: config.windowDays,
      clvHorizonDays: config.clvHorizonDays,
      clvDiscountRate: config.clvDiscountRate,
      churnAfterDays: lapse,
      allowedLatenessDays: config.allowedLatenessDays,
    });
    // 1997-01 .. 1998-05 end before the last order day less the lateness; 1998-06 does not.
    const months = kpis.churn.map((m) => m.month);
    expect(months[0]).toBe('1997-02');
    expect(months[months.length - 1]).toBe('1998-05');
    for (const m of kpis.churn) {
      const start = dayOf(Date.parse(`${m.month}-01T00:00:00Z`));
      expect({ month: m.month, active: m.active, churned: m.churned }).toEqual(
        referenceMonthChurn(orders, start, nextMonthStart(start), lapse),
      );
    }
    const retention = referenceRetention(orders, RETENTION_DAYS);
    expect(retention.map((c) => c.cohort)).toEqual(['1997-01', '1997-02', '1997-03']);
    expect(
      kpis.retention.map((c) => [c.cohort, c.customers, c.retained.map((r) => [r.customers, r.final])]),
    ).toEqual(
      retention.map((c) => [c.cohort, c.customers, RETENTION_DAYS.map((n) => [c.retained[n] ?? 0, true])]),
    );

    const registry = new Registry();
    registerKpiGauges(registry, async () => kpis);
    const metrics = await registry.getMetricsAsJSON();
    const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
    expect(values('rfm_churn_rate')).toHaveLength(kpis.churn.length);
    for (const m of kpis.churn) {
      expect(values('rfm_churn_rate').find((v) => v.labels.month === m.month)?.value).toBeCloseTo(
        m.churned / m.active,
        12,
      );
    }
    for (const c of retention) {
      for (const n of RETENTION_DAYS) {
        const gauge = values('rfm_cohort_retention_ratio').find(
          (v) => v.labels.cohort === c.cohort && v.labels.days === String(n),
        );
        expect(gauge?.value).toBeCloseTo((c.retained[n] ?? 0) / c.customers, 12);
      }
    }
    console.log(
      `[cdnow] churn rate 1997-02 ${(kpis.churn[0]?.rate ?? 0).toFixed(3)}, day-30 retention 1997-01 ${kpis.retention[0]?.retained[3]?.ratio.toFixed(3)}`,
    );
  });

  it('fits the value models on CDNOW_master from the topic, and says how long it took', async () => {
    const started = performance.now();
    const orders: Order[] = [];
    await replayOrders(config, silent, (order) => orders.push(order));
    const read = performance.now();
    const model = fitValueModels(calibrationSummaries(orders, CDNOW_CALIBRATION), {
      calibrationEnd: '1997-09-30',
      daysPerUnit: 7,
    });
    const fitted = performance.now();
    expect(orders).toHaveLength(69_659);
    expect(model.customers).toBe(23_570);
    console.log(
      `[cdnow] rfm fit on CDNOW_master: read ${(read - started).toFixed(0)} ms, fit ${(fitted - read).toFixed(0)} ms, ` +
        `r ${model.bgnbd.r.toFixed(4)} alpha ${model.bgnbd.alpha.toFixed(4)} a ${model.bgnbd.a.toFixed(4)} b ${model.bgnbd.b.toFixed(4)}`,
    );
  });

  it('replays, interrupted and resumed, into an empty namespace: the live state and event ids', async () => {
    const started = performance.now();
    const first = await startBackfill(replayConfig, { from: 'beginning', emit: true }, silent);
    // Interrupted, as by Ctrl-C, a third of the way through.
    for (;;) {
      const progress = await first.progress();
      const done = progress.reduce((sum, p) => sum + p.position - p.origin, 0);
      if (done >= 69_659 / 3) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await first.stop();
    const interruptedAt = await first.progress();
    await first.close();
    expect(interruptedAt.reduce((sum, p) => sum + p.position, 0)).toBeLessThan(69_659);

    const resumed = await startBackfill(replayConfig, { emit: true }, silent);
    expect(resumed.resumed).toBe(true);
    await resumed.processor.idle();
    await resumed.stop();
    await resumed.close();
    console.log(
      `[cdnow] backfill, interrupted once, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const live = await dumpNamespace(redis, config.namespace);
    const replayed = await dumpNamespace(redis, replayConfig.namespace);
    expect(live.size).toBeGreaterThan(23_570);
    expect(differences(replayed, live)).toEqual([]);
    expect(replayed.size).toBe(live.size);

    const kafka = testKafka();
    for (const role of ['segmentChanges', 'churnRisk'] as const) {
      const liveIds = await collectEventIds(kafka, config.topics[role]);
      const replayIds = await collectEventIds(kafka, resumed.topics[role]);
      expect(resumed.topics[role]).toBe(`${replayConfig.namespace}.${config.topics[role]}`);
      expect(liveIds.size, role).toBeGreaterThan(0);
      const missing = [...liveIds].filter((id) => !replayIds.has(id));
      const extra = [...replayIds].filter((id) => !liveIds.has(id));
      expect({ role, missing: missing.length, extra: extra.length }).toEqual({ role, missing: 0, extra: 0 });
    }
  }, 900_000);

  it('replays into the live namespace without changing its state or publishing anything', async () => {
    const before = await dumpNamespace(redis, config.namespace);
    const replay = await startBackfill(config, { from: 'beginning', emit: true }, silent);
    await replay.processor.idle();
    await replay.stop();
    await replay.close();
    expect(replay.processor.stats).toEqual({ records: 69_659, deadLetters: 0, changes: 0 });
    expect(differences(await dumpNamespace(redis, config.namespace), before)).toEqual([]);
  });
});
