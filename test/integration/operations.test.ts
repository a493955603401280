// Operations against the real things: two processors serve their HTTP port (one
// healthy, one whose Redis does not answer), a real Prometheus scrapes both while
// they process, and every dashboard query and alert expression of deploy/ is
// evaluated through its HTTP API; each alert is made to fire by its condition.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Config } from '../../src/config/config.js';
import { DAY_MS } from '../../src/domain/time.js';
import { Health } from '../../src/ops/health.js';
import { type RunningHttpServer, startHttpServer } from '../../src/ops/http-server.js';
import { Metrics } from '../../src/ops/metrics.js';
import { Keys } from '../../src/state/keys.js';
import { customerView } from '../../src/state/views.js';
import { AvroCodec } from '../../src/stream/codec.js';
import { type RunningProcessor, startProcessor } from '../../src/stream/processor-runner.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { createSchemaRegistry, registerSchemas } from '../../src/stream/schemas.js';
import { ensureTopics } from '../../src/stream/topics.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import {
  eventually,
  freePort,
  installPrometheus,
  promtool,
  type RunningPrometheus,
  startPrometheus,
} from '../support/prometheus.js';
import { testRedis } from '../support/redis.js';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url);
const DAY0 = Date.UTC(2025, 0, 1, 12);
const logger = pino({ level: 'silent' });

interface Service {
  config: Readonly<Config>;
  metrics: Metrics;
  health: Health;
  server: RunningHttpServer;
  processor?: RunningProcessor;
  instance: string;
}

/** What `rfm run` wires: a registry, metrics, health, the HTTP port, then the processor. */
async function startService(config: Readonly<Config>): Promise<Service> {
  const registry = new Registry();
  const metrics = new Metrics(registry, {
    topic: config.topics.orders,
    group: config.groupId,
    allowedLatenessDays: config.allowedLatenessDays,
  });
  const health = new Health(metrics);
  const service: Service = { config, metrics, health, instance: '', server: undefined as never };
  service.server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    registry,
    health,
    customer: () => service.processor?.customer,
    logger,
  });
  service.instance = `127.0.0.1:${service.server.port}`;
  return service;
}

async function run(service: Service): Promise<void> {
  service.processor = await startProcessor(service.config, logger, {
    metrics: service.metrics,
    health: service.health,
  });
}

/** The expression of a dashboard target with Grafana's variables as the dashboard's defaults give them. */
function grafanaExpr(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll('$job', 'rfm-stream')
    .replaceAll('$instance', '.+');
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: Record<string, string>;
}

const rules = (
  parse(readFileSync(repo('deploy/prometheus/rules/rfm-stream.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(repo('deploy/grafana/dashboards/rfm-stream.json'), 'utf8')) as {
  panels: Panel[];
};
const targets = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

/**
 * Alerts this test cannot make fire, each with why, and the series behind it
 * that must still be there: an error counter known to be empty of increases.
 */
const QUIET_ALERTS: Record<string, { why: string; series: string }> = {
  RfmProcessorFailed: {
    why: 'no error that cannot be retried happens here; the counter exists at 0 from start-up',
    series: 'rfm_processing_errors_total{retriable="false"}',
  },
};

describe('operations: HTTP port, metrics, dashboard and alerts through a real Prometheus', () => {
  const config = testConfig('ops', { topics: { partitions: 2 } });
  const redis = testRedis();
  const kafka = testKafka();
  const producer = kafka.producer();
  let codec: AvroCodec;
  let healthy: Service;
  let stuck: Service;
  let prometheus: RunningPrometheus;
  const good: OrderEvent[] = [];
  const later: OrderEvent[] = [];
  const BAD = 10;

  const order = (customerId: string, day: number, amountMinor = 2_000): OrderEvent => ({
    eventId: uniqueName('e'),
    customerId,
    orderId: uniqueName('o'),
    kind: 'PURCHASE',
    amountMinor,
    currency: 'USD',
    eventTime: DAY0 + day * DAY_MS,
    quantity: null,
  });
  const send = (topic: string, messages: { key: string; value: Buffer }[]) =>
    producer.send({ topic, messages });

  beforeAll(async () => {
    await installPrometheus();
    // The stuck processor's Redis is a loopback port nothing listens on.
    const stuckConfig = testConfig('ops-stuck', {
      redis: { url: `redis://127.0.0.1:${await freePort()}` },
      shutdownTimeoutMs: 2_000,
    });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config);
    await ensureTopics(admin, stuckConfig);
    await admin.disconnect();
    const schemaRegistry = createSchemaRegistry(config);
    codec = new AvroCodec(schemaRegistry, await registerSchemas(schemaRegistry, config));
    await registerSchemas(schemaRegistry, stuckConfig);
    await producer.connect();

    healthy = await startService(config);
    stuck = await startService(stuckConfig);
    const scrape = parse(readFileSync(repo('deploy/prometheus/prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    scrape.global = { scrape_interval: '1s', evaluation_interval: '1s' };
    scrape.rule_files = scrape.rule_files.map((f) => new URL(f, repo('deploy/prometheus/')).pathname);
    const job = scrape.scrape_configs[0];
    if (!job) throw new Error('deploy/prometheus/prometheus.yml has no scrape job');
    job.static_configs = [{ targets: [healthy.instance, stuck.instance] }];
    prometheus = await startPrometheus(stringify(scrape));
    // Counters start at 0 in Prometheus before anything is processed, so rates see every record.
    await eventually('both targets scraped', async () =>
      (await prometheus.query('up{job="rfm-stream"} == 1')).length === 2 ? true : undefined,
    );

    // Forty customers over 200 days: segment changes, sleeping grades, churn-risk events.
    for (let i = 0; i < 40; i++) {
      good.push(order(`c${i}`, i * 3, 1_000 + i * 250));
      if (i % 2 === 0) good.push(order(`c${i}`, i * 3 + 40, 3_000));
    }
    good.push(order('late-buyer', 150), order('late-buyer', 200));
    // In event-time order, as a live stream brings them: none is late.
    good.sort((a, b) => a.eventTime - b.eventTime);
    later.push(...Array.from({ length: 10 }, (_, i) => order(`c${i}`, 201 + (i % 3))));
    await send(config.topics.orders, [
      ...good.map((o) => ({ key: o.customerId, value: codec.encodeOrder(o) })),
      ...Array.from({ length: BAD }, (_, i) => ({ key: `c${i}`, value: Buffer.from(`not avro ${i}`) })),
    ]);
    // The stuck processor's input: never read, so its lag is all of it.
    const junk = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: Buffer.from('x') }));
    await send(stuckConfig.topics.orders, junk(1_500));

    await run(healthy);
    await run(stuck);
  }, 600_000);

  afterAll(async () => {
    await healthy?.processor?.stop();
    await stuck?.processor?.stop();
    await healthy?.server.close();
    await stuck?.server.close();
    await prometheus?.stop();
    await producer.disconnect();
    await dropNamespace(redis, config.namespace);
    redis.disconnect();
  }, 120_000);

  const http = (service: Service, path: string, init?: RequestInit) =>
    fetch(`http://${service.instance}${path}`, init);
  /** fetch refuses a GET with a body; node:http sends one. */
  const rawStatus = (service: Service, method: string, path: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = { 'content-length': String(Buffer.byteLength(body)) };
      const request = httpRequest(`http://${service.instance}${path}`, { method, headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end(body);
    });

  /** Waits until Prometheus's latest value of `expr` is `expected`. */
  const scraped = (what: string, expr: string, expected: number) =>
    eventually(`${what}, as scraped`, async () => {
      const seen = Number((await prometheus.query(expr))[0]?.value[1]);
      if (seen !== expected) throw new Error(`${expr} is ${seen}, not ${expected}`);
      return true;
    });

  it('Prometheus scrapes the processor while it processes: counters reach each wave in turn', async () => {
    const applied = `sum(rfm_records_in_total{instance="${healthy.instance}", outcome="applied"})`;
    await scraped('the first wave applied', applied, good.length);
    await send(
      config.topics.orders,
      later.map((o) => ({ key: o.customerId, value: codec.encodeOrder(o) })),
    );
    await scraped('the second wave applied', applied, good.length + later.length);
    const dlq = await prometheus.query(
      `rfm_dlq_records_total{instance="${healthy.instance}", reason="NOT_AVRO"}`,
    );
    expect(Number(dlq[0]?.value[1])).toBe(BAD);
    const population = await prometheus.query(`rfm_population_customers{instance="${healthy.instance}"}`);
    expect(Number(population[0]?.value[1])).toBeGreaterThan(0);
  });

  it('puts no customer id in any label', async () => {
    const ids = new Set([...good, ...later].map((o) => o.customerId));
    const series = await prometheus.get<Record<string, string>[]>(
      `/api/v1/series?match[]=${encodeURIComponent(`{instance="${healthy.instance}"}`)}`,
    );
    expect(series.length).toBeGreaterThan(50);
    const leaked = series.flatMap((labels) => Object.values(labels).filter((v) => ids.has(v)));
    expect(leaked).toEqual([]);
  });

  it('evaluates every dashboard panel query through Prometheus, each returning data', async () => {
    expect(targets.length).toBeGreaterThan(30);
    const jobs = await prometheus.get<string[]>(`/api/v1/label/job/values?match[]=rfm_build_info`);
    expect(jobs).toContain('rfm-stream');
    // Rates need two scrapes after a counter moved and lag is measured every 5 s: each
    // query gets a bounded while to show data, and the last empty ones are the failure.
    await eventually('data from every panel query', async () => {
      const empty: string[] = [];
      for (const { panel, expr } of targets) {
        if ((await prometheus.query(grafanaExpr(expr))).length === 0) empty.push(`${panel}: ${expr}`);
      }
      if (empty.length > 0) throw new Error(`no data yet:\n${empty.join('\n')}`);
      return true;
    });
  });

  it('serves /healthz, /readyz and metrics that say why a processor is not ready', async () => {
    await eventually('the healthy processor ready', async () =>
      (await http(healthy, '/readyz')).status === 200 ? true : undefined,
    );
    expect(await (await http(healthy, '/readyz')).json()).toEqual({
      ok: true,
      joined: true,
      redis: true,
      kafka: true,
      stopping: false,
    });
    expect(await (await http(healthy, '/healthz')).json()).toEqual({ ok: true });
    await eventually('the stuck processor joined', async () =>
      ((await (await http(stuck, '/readyz')).json()) as { joined: boolean }).joined ? true : undefined,
    );
    const stuckReady = await http(stuck, '/readyz');
    expect(stuckReady.status).toBe(503);
    expect(await stuckReady.json()).toMatchObject({ ok: false, joined: true, redis: false, kafka: true });
    // Alive: Redis being away is not a reason to restart it.
    expect((await http(stuck, '/healthz')).status).toBe(200);
    const metrics = await (await http(stuck, '/metrics')).text();
    expect(metrics).toMatch(/^rfm_dependency_up\{dependency="redis"\} 0$/m);
    expect(metrics).toMatch(/^rfm_ready 0$/m);
  });

  it('GET /customers/{id} answers what rfm inspect --json prints; bounds and validates the request', async () => {
    const scope = {
      redis,
      keys: new Keys(config.namespace),
      topic: config.topics.orders,
      partitionCount: 2,
      windowDays: config.windowDays,
      clvHorizonDays: config.clvHorizonDays,
      clvDiscountRate: config.clvDiscountRate,
    };
    const response = await http(healthy, '/customers/c4');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    // inspect --json prints JSON.stringify(view, null, 2).
    expect((await response.text()).trim()).toBe(JSON.stringify(await customerView(scope, 'c4'), null, 2));
    expect((await http(healthy, '/customers/nobody')).status).toBe(404);
    expect((await http(healthy, '/customers/%7Bc4%7D')).status).toBe(400);
    expect((await http(healthy, '/customers/%E0%A4%A')).status).toBe(400);
    expect((await http(healthy, `/customers/${'x'.repeat(257)}`)).status).toBe(400);
    expect((await http(healthy, `/customers/${'x'.repeat(2_000)}`)).status).toBe(414);
    expect((await http(healthy, '/customers/c4', { method: 'POST', body: '{}' })).status).toBe(405);
    expect(await rawStatus(healthy, 'GET', '/customers/c4', '{}')).toBe(413);
    expect((await http(healthy, '/customers/c4', { headers: { 'x-big': 'y'.repeat(10_000) } })).status).toBe(
      431,
    );
    expect((await http(healthy, '/nothing-here')).status).toBe(404);
  });

  it('evaluates every alert expression; each alert fires on its condition or is a documented quiet one', async () => {
    // The stuck processor's lag grows: a second wave it cannot read.
    await scraped('the stuck lag', `sum(rfm_consumer_lag_records{instance="${stuck.instance}"})`, 1_500);
    await send(
      stuck.config.topics.orders,
      Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: Buffer.from('x') })),
    );
    const expected = rules.map((r) => r.alert).filter((name) => !(name in QUIET_ALERTS));
    expect(expected).toEqual([
      'RfmConsumerLagGrowing',
      'RfmDeadLetterRate',
      'RfmProcessorNotReady',
      'RfmProcessingStalled',
      'RfmRedisErrors',
    ]);
    const states = await eventually(
      'every alert pending or firing',
      async () => {
        const data = await prometheus.get<{
          groups: { rules: { name: string; state: string; health: string; lastError?: string }[] }[];
        }>('/api/v1/rules?type=alert');
        const byName = new Map(data.groups.flatMap((g) => g.rules).map((r) => [r.name, r]));
        const inactive = expected.filter(
          (name) => !['pending', 'firing'].includes(byName.get(name)?.state ?? ''),
        );
        if (inactive.length > 0) throw new Error(`not yet active: ${inactive.join(', ')}`);
        return byName;
      },
      90_000,
    );
    for (const rule of rules) {
      expect(states.get(rule.alert)?.health, `${rule.alert} evaluated by Prometheus`).toBe('ok');
      expect(rule.annotations.runbook?.length, `${rule.alert} runbook`).toBeGreaterThan(20);
      const result = await prometheus.query(rule.expr);
      const quiet = QUIET_ALERTS[rule.alert];
      if (quiet) {
        expect(result, `${rule.alert}: ${quiet.why}`).toEqual([]);
        expect((await prometheus.query(quiet.series)).length, `${quiet.series} exists`).toBeGreaterThan(0);
      } else {
        expect(result.length, `${rule.alert} returns data`).toBeGreaterThan(0);
      }
    }
    // Which processor each alert is about.
    const firingFor = async (alert: string) =>
      (await prometheus.query(`ALERTS{alertname="${alert}"}`)).map(
        (s) => s.metric.instance ?? s.metric.topic,
      );
    expect(await firingFor('RfmProcessorNotReady')).toEqual([stuck.instance]);
    expect(await firingFor('RfmRedisErrors')).toEqual([stuck.instance]);
    expect(await firingFor('RfmProcessingStalled')).toEqual([stuck.instance]);
    expect(await firingFor('RfmDeadLetterRate')).toEqual([healthy.instance]);
    expect(await firingFor('RfmConsumerLagGrowing')).toEqual([stuck.config.topics.orders]);
  });

  it('passes promtool check rules and check config', async () => {
    expect(await promtool('check', 'rules', repo('deploy/prometheus/rules/rfm-stream.yml').pathname)).toMatch(
      /SUCCESS: 6 rules found/,
    );
    expect(await promtool('check', 'config', repo('deploy/prometheus/prometheus.yml').pathname)).toMatch(
      /is valid prometheus config file syntax/,
    );
  });
});
