import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { OutputChange } from '../../src/domain/changes.js';
import { DAY_MS } from '../../src/domain/time.js';
import { Health } from '../../src/ops/health.js';
import { customerId } from '../../src/ops/http-server.js';
import { Metrics } from '../../src/ops/metrics.js';

const context = { topic: 'orders', group: 'g', allowedLatenessDays: 7 };

async function sample(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values as { labels: Record<string, string | number>; value: number }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  )?.value;
}

const segmentChange = (from: string | null, to: string): OutputChange => ({
  kind: 'segment',
  change: {
    eventId: 'x',
    customerId: 'alice',
    model: 'rfm8',
    previousSegment: from,
    segment: to,
    cause: 'ORDER',
    eventTime: 0,
    recencyDays: 0,
    frequency: 1,
    monetaryMinor: 1,
    recencyScore: null,
    frequencyScore: null,
    monetaryScore: null,
    thresholdsVersion: 'v',
  },
});

describe('Metrics', () => {
  it('counts transitions by model, from and to, entries from NONE, and never by customer', async () => {
    const registry = new Registry();
    const metrics = new Metrics(registry, context);
    metrics.published(
      [segmentChange(null, 'GENERAL_DEVELOP'), segmentChange('GENERAL_DEVELOP', 'IMPORTANT_VALUE')],
      { segmentChanges: 'seg', churnRisk: 'churn' },
    );
    expect(
      await sample(registry, 'rfm_segment_transitions_total', { from: 'NONE', to: 'GENERAL_DEVELOP' }),
    ).toBe(1);
    expect(
      await sample(registry, 'rfm_segment_transitions_total', {
        from: 'GENERAL_DEVELOP',
        to: 'IMPORTANT_VALUE',
      }),
    ).toBe(1);
    expect(await sample(registry, 'rfm_records_out_total', { topic: 'seg', kind: 'segment_change' })).toBe(2);
    expect(await registry.metrics()).not.toContain('alice');
  });

  it('exposes error counters at 0 from the start, so their rates have data', async () => {
    const registry = new Registry();
    new Metrics(registry, context);
    expect(await sample(registry, 'rfm_dlq_records_total', { reason: 'LATE' })).toBe(0);
    expect(await sample(registry, 'rfm_redis_errors_total', { operation: 'connection' })).toBe(0);
    expect(await sample(registry, 'rfm_processing_errors_total', { retriable: 'false' })).toBe(0);
  });

  it('reports the watermark as the clock day less the allowed lateness, and the event-time lag', async () => {
    const registry = new Registry();
    const metrics = new Metrics(registry, context);
    const day = 20_000;
    metrics.bind({ clocks: () => new Map([[3, day]]) });
    metrics.applied(3, 5, Date.now() - 60_000);
    expect(await sample(registry, 'rfm_watermark_timestamp_seconds', { partition: '3' })).toBe(
      ((day - 7) * DAY_MS) / 1000,
    );
    const lag = (await sample(registry, 'rfm_event_time_lag_seconds', { partition: '3' })) as number;
    expect(lag).toBeGreaterThanOrEqual(60);
    expect(lag).toBeLessThan(70);
    expect(await sample(registry, 'rfm_records_in_total', { outcome: 'applied' })).toBe(5);
  });

  it('drops the lag of partitions given up in a rebalance', async () => {
    const registry = new Registry();
    const metrics = new Metrics(registry, context);
    metrics.rebalanced([0, 1]);
    metrics.lag(0, 10);
    metrics.lag(1, 20);
    metrics.rebalanced([1]);
    metrics.lag(1, 5);
    expect(await sample(registry, 'rfm_consumer_lag_records', { partition: '0' })).toBeUndefined();
    expect(
      await sample(registry, 'rfm_consumer_lag_records', { group: 'g', topic: 'orders', partition: '1' }),
    ).toBe(5);
    expect(await sample(registry, 'rfm_consumer_rebalances_total', { group: 'g' })).toBe(2);
  });
});

describe('Health', () => {
  it('is ready only when joined with Redis and Kafka up, and not while stopping', () => {
    const registry = new Registry();
    const health = new Health(new Metrics(registry, context));
    expect(health.ready().ok).toBe(false);
    health.joined(true);
    health.dependency('redis', true);
    expect(health.ready()).toMatchObject({ ok: false, kafka: false });
    health.dependency('kafka', true);
    expect(health.ready().ok).toBe(true);
    health.stopping();
    expect(health.ready()).toMatchObject({ ok: false, stopping: true });
    expect(health.live().ok).toBe(true);
  });

  it('fails liveness for good on the first fatal error, and resolves `failed` with it', async () => {
    const health = new Health();
    health.fail(new Error('written by another owner'));
    health.fail(new Error('later'));
    expect(health.live()).toEqual({ ok: false, error: 'written by another owner' });
    expect((await health.failed).message).toBe('written by another owner');
  });

  it('counts a probe that does not answer in time as down', async () => {
    const health = new Health();
    const stop = health.startProbes(
      { redis: () => new Promise(() => undefined), kafka: async () => 'ok' },
      60_000,
      50,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop();
    expect(health.ready()).toMatchObject({ redis: false, kafka: true });
  });
});

describe('customerId from a path', () => {
  it('decodes and holds the id to what admission lets into the state', () => {
    expect(customerId('c%2F1')).toBe('c/1');
    expect(customerId('')).toEqual({ error: expect.stringMatching(/empty/) });
    expect(customerId('%E0%A4%A')).toEqual({ error: expect.stringMatching(/percent-encoding/) });
    expect(customerId('%7Bx%7D')).toEqual({ error: expect.stringMatching(/braces/) });
    expect(customerId('a%0Ab')).toEqual({ error: expect.stringMatching(/control/) });
    expect(customerId('x'.repeat(257))).toEqual({ error: expect.stringMatching(/longer than 256/) });
    expect(customerId('x'.repeat(256))).toBe('x'.repeat(256));
  });
});
