// `rfm fit` end to end: CDNOW_sample imported through Kafka, the models fitted
// from the topic with the CLI, the published parameters found, and a running
// processor taking the new version without a restart: every customer's P(alive)
// and churn risk then equal the reference.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FitSummary } from '../../src/cli/fit.js';
import { createProgram } from '../../src/cli/program.js';
import type { Order } from '../../src/domain/order.js';
import { customerFacts, referenceChurn, referencePAlive } from '../../src/reference/index.js';
import { CustomerStore } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { PartitionIndex } from '../../src/state/partition-index.js';
import { ValueModelStore } from '../../src/state/value-model-store.js';
import { customerView } from '../../src/state/views.js';
import { replayOrders } from '../../src/stream/order-replay.js';
import { type RunningProcessor, startProcessor } from '../../src/stream/processor-runner.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { importPreset, setUpTopics } from '../support/topics.js';

const silent = pino({ level: 'silent' });
const PARTITIONS = 2;

describe('rfm fit on CDNOW_sample through Kafka', () => {
  const config = testConfig('fit', { topics: { partitions: PARTITIONS } });
  const redis = new Redis(stackEndpoints().redisUrl);
  const keys = new Keys(config.namespace);
  let processor: RunningProcessor;
  let fit: FitSummary;
  const orders: Order[] = [];

  beforeAll(async () => {
    await setUpTopics(config);
    const summary = await importPreset(config, 'cdnow-sample');
    expect(summary.sent).toBe(6_919);
    processor = await startProcessor(config, silent);
    await processor.idle();
    await replayOrders(config, silent, (order) => orders.push(order));
  }, 300_000);

  afterAll(async () => {
    await processor?.stop();
    await dropNamespace(redis, config.namespace);
    redis.disconnect();
  });

  it('finds the published BG/NBD and Gamma-Gamma parameters with `rfm fit --calibration-end 1997-09-30`', async () => {
    const { kafkaBrokers, schemaRegistryUrl, redisUrl } = stackEndpoints();
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
    try {
      await createProgram().parseAsync([
        'node',
        'rfm',
        '--brokers',
        kafkaBrokers,
        '--registry',
        schemaRegistryUrl,
        '--redis',
        redisUrl,
        '--namespace',
        config.namespace,
        '--log-level',
        'silent',
        'fit',
        '--orders-topic',
        config.topics.orders,
        '--calibration-end',
        '1997-09-30',
        '--json',
      ]);
    } finally {
      log.mockRestore();
    }
    fit = JSON.parse(printed.join('\n')) as FitSummary;
    const { bgnbd, gammaGamma } = fit.model;
    // deploy/data/cdnow/README.md: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4; p 6.25, q 3.74, v 15.44 dollars.
    expect(Math.abs(bgnbd.r - 0.243)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.alpha - 4.414)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.a - 0.793)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.b - 2.426)).toBeLessThan(0.005);
    expect(Math.abs(bgnbd.logLikelihood - -9582.4)).toBeLessThan(0.5);
    expect(Math.abs(gammaGamma.p - 6.25)).toBeLessThan(0.05);
    expect(Math.abs(gammaGamma.q - 3.74)).toBeLessThan(0.05);
    expect(Math.abs(gammaGamma.v / 100 - 15.44)).toBeLessThan(0.05);
    expect(fit.model.customers).toBe(2_357);
    expect(fit.records).toBe(6_919);
    console.log(`[fit] CDNOW_sample: read ${fit.readMs} ms, fit ${fit.fitMs} ms`);

    const stored = await new ValueModelStore(redis, keys, config.topics.orders).current();
    expect(stored).toEqual({ ...fit.model, version: fit.version });
  }, 120_000);

  it('is picked up by the running processor: P(alive) and churn risk of every customer equal the reference', async () => {
    expect(fit?.version).toBeTruthy();
    const indexes = Array.from(
      { length: PARTITIONS },
      (_, p) => new PartitionIndex(redis, keys, config.topics.orders, p),
    );
    // The processor looks for a new version between batches, and at least every second when idle.
    const deadline = Date.now() + 60_000;
    while ((await Promise.all(indexes.map((i) => i.clock()))).some((c) => c.valueVersion !== fit.version)) {
      if (Date.now() > deadline)
        throw new Error('the processor did not take the new value model within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const model = { ...fit.model.bgnbd, daysPerUnit: fit.model.daysPerUnit };
    const ids = [...new Set(orders.map((o) => o.customerId))];
    const stored = await new CustomerStore(redis, keys).readMany(ids);
    const scope = {
      redis,
      keys,
      topic: config.topics.orders,
      partitionCount: PARTITIONS,
      windowDays: config.windowDays,
      clvHorizonDays: config.clvHorizonDays,
      clvDiscountRate: config.clvDiscountRate,
    };
    // Every partition ticked up to the last order day, so all customers are as of that day.
    const clocks = new Set((await Promise.all(indexes.map((i) => i.clock()))).map((c) => c.today));
    expect(clocks.size).toBe(1);
    const today = [...clocks][0] as number;
    const facts = customerFacts(orders, today, config.windowDays);
    let lowPAlive = 0;
    for (const id of ids) {
      const customer = stored.get(id);
      const expected = facts.get(id);
      expect(customer && expected, id).toBeTruthy();
      if (!customer || !expected) continue;
      const pAlive = referencePAlive(expected, today, model);
      expect(customer.churn ?? { level: 'NONE', reasons: [] }, `churn risk of ${id}`).toEqual(
        referenceChurn(expected, pAlive),
      );
      if (pAlive !== null && pAlive < 0.5) lowPAlive++;
    }
    expect(lowPAlive).toBeGreaterThan(100);

    // `rfm inspect` shows the same P(alive), and a CLV.
    for (const id of ids.slice(0, 50)) {
      const view = await customerView(scope, id);
      const expected = referencePAlive(
        facts.get(id) as NonNullable<ReturnType<typeof facts.get>>,
        today,
        model,
      );
      expect(view?.value?.modelVersion).toBe(fit.version);
      expect(view?.value?.pAlive).toBeCloseTo(expected as number, 10);
      expect(view?.value?.predictedClv).toBeGreaterThanOrEqual(0);
    }
  }, 180_000);
});
