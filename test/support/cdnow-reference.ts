// The CDNOW_master state check shared by the CDNOW integration tests: every
// customer's facts, scores, segments and churn risk, the thresholds and each
// partition's clock, compared with the batch reference at the last event's day.
import { expect } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { factsOf } from '../../src/domain/facts.js';
import { MODELS } from '../../src/domain/segments.js';
import type { Thresholds } from '../../src/domain/thresholds.js';
import { dayOf } from '../../src/domain/time.js';
import { presetFile } from '../../src/ingest/source.js';
import { readCdnowMaster, referenceChurn, referenceSnapshot } from '../../src/reference/index.js';
import { CustomerStore } from '../../src/state/customer-store.js';
import { Keys } from '../../src/state/keys.js';
import { PartitionIndex } from '../../src/state/partition-index.js';
import type { RedisClient } from '../../src/state/scripts.js';
import { ThresholdsStore } from '../../src/state/thresholds-store.js';

export async function expectCdnowReferenceState(
  redis: RedisClient,
  config: Readonly<Config>,
  partitions: number,
): Promise<void> {
  const orders = readCdnowMaster(presetFile('cdnow'));
  const lastDay = Math.max(...orders.map((o) => dayOf(o.eventTime)));
  const keys = new Keys(config.namespace);
  const thresholds = (await new ThresholdsStore(redis, keys, config.topics.orders).current()) as Thresholds;
  expect(thresholds.day).toBe(lastDay);
  for (let p = 0; p < partitions; p++) {
    expect((await new PartitionIndex(redis, keys, config.topics.orders, p).clock()).today).toBe(lastDay);
  }

  const reference = referenceSnapshot(orders, {
    today: lastDay,
    windowDays: config.windowDays,
    thresholdsDay: lastDay,
  });
  expect(thresholds).toEqual(reference.thresholds);
  expect(reference.customers.size).toBe(23_570);

  const stored = await new CustomerStore(redis, keys, config.topics.orders).readMany(
    reference.customers.keys(),
  );
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
}
