// `rfm backfill --promote`: the live processor moves to a backfilled namespace
// while orders keep arriving, and loses or double counts none of them. The
// namespace it ends in holds exactly the state of one clean pass over the topic,
// and the live output topics hold exactly the clean pass's event ids.
import { Redis } from 'ioredis';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { DAY_MS } from '../../src/domain/time.js';
import { ConfigError } from '../../src/errors.js';
import { Keys } from '../../src/state/keys.js';
import { LivePointer } from '../../src/state/live-pointer.js';
import { startBackfill } from '../../src/stream/backfill.js';
import { AvroCodec } from '../../src/stream/codec.js';
import { startLive } from '../../src/stream/live-runner.js';
import { promote } from '../../src/stream/promote.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { createSchemaRegistry } from '../../src/stream/schemas.js';
import { testConfig } from '../support/config.js';
import { dropNamespace } from '../support/engine.js';
import { collectEventIds, testKafka } from '../support/kafka.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { differences, dumpNamespace } from '../support/state-dump.js';
import { setUpTopics } from '../support/topics.js';

const silent = pino({ level: 'silent' });
const DAY0 = Date.UTC(2025, 0, 6);

/** Each day's orders: a few of 24 customers buy, now and then one refunds; half of them stop after day 9 and doze off. */
function ordersOf(day: number): OrderEvent[] {
  let seed = day * 7919 + 13;
  const next = () => {
    seed = (seed * 48271) % 2_147_483_647;
    return seed;
  };
  return Array.from({ length: 3 + (next() % 6) }, (_, i) => {
    const customer = `c${1 + (next() % (day < 10 ? 24 : 12))}`;
    return {
      eventId: `d${day}-${i}`,
      customerId: customer,
      orderId: `o${day}-${i}`,
      kind: next() % 9 === 0 ? 'REFUND' : 'PURCHASE',
      amountMinor: 500 + (next() % 20_000),
      currency: 'USD',
      eventTime: DAY0 + day * DAY_MS + (next() % 20) * 3_600_000,
      quantity: null,
    } satisfies OrderEvent;
  });
}

describe('promoting a backfilled namespace', () => {
  const config = testConfig('promote', { topics: { partitions: 2 } });
  const ns = (suffix: string): Readonly<Config> => ({
    ...config,
    namespace: `${config.namespace}-${suffix}`,
  });
  const redis = new Redis(stackEndpoints().redisUrl);
  const kafka: Kafka = testKafka();
  let producer: Producer;
  let codec: AvroCodec;

  /** Sends the orders of days [from, to), one day per produce request. */
  const send = async (from: number, to: number) => {
    for (let day = from; day < to; day++) {
      await producer.send({
        topic: config.topics.orders,
        acks: -1,
        messages: ordersOf(day).map((o) => ({ key: o.customerId, value: codec.encodeOrder(o) })),
      });
    }
  };
  /** A backfill from the beginning to the end of the topic, then stopped. */
  const backfill = async (target: Readonly<Config>, emit: boolean) => {
    const run = await startBackfill(target, { from: 'beginning', emit }, silent);
    await run.processor.idle(200);
    await run.stop();
    await run.close();
    return run;
  };

  beforeAll(async () => {
    codec = new AvroCodec(createSchemaRegistry(config), await setUpTopics(config));
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    for (const suffix of ['', '-v2', '-clean', '-v3', '-clean3']) {
      await dropNamespace(redis, `${config.namespace}${suffix}`);
    }
    redis.disconnect();
  });

  it('moves the running processor to it without losing or double counting the orders that arrived meanwhile', async () => {
    await send(0, 35);
    const live = await startLive(config, silent, { watchMs: 200 });
    try {
      await live.idle(200);
      expect(live.namespace).toBe(config.namespace);

      // The data team's backfill, with the live processor running beside it.
      const v2 = ns('v2');
      await backfill(v2, true);

      // Orders keep arriving, day by day; the live processor takes them, the stopped backfill does not.
      for (let day = 35; day < 40; day++) {
        await send(day, day + 1);
        await live.idle(200);
      }

      // Promoted while another day arrives: the processor catches up to the
      // backfill's offsets, stops at a batch boundary, and goes on in v2 from there.
      const promoting = promote(config, v2.namespace, { waitMs: 60_000 }, silent);
      await send(40, 41);
      const result = await promoting;
      expect(result.outcome).toBe('switched');
      expect(result.previous).toBe(config.namespace);
      expect(live.namespace).toBe(v2.namespace);
      for (let day = 41; day < 45; day++) {
        await send(day, day + 1);
        await live.idle(200);
      }
      await live.idle(200);
    } finally {
      await live.stop();
    }

    // One clean pass over everything the topic holds.
    const clean = await backfill(ns('clean'), true);
    const promoted = await dumpNamespace(redis, `${config.namespace}-v2`);
    const expected = await dumpNamespace(redis, `${config.namespace}-clean`);
    expect(expected.size).toBeGreaterThan(24);
    expect(differences(promoted, expected)).toEqual([]);
    expect(promoted.size).toBe(expected.size);

    // What downstream saw on the live topics: every change of the clean pass, nothing else.
    for (const role of ['segmentChanges', 'churnRisk'] as const) {
      const liveIds = await collectEventIds(kafka, config.topics[role]);
      const cleanIds = await collectEventIds(kafka, clean.topics[role]);
      expect(cleanIds.size, role).toBeGreaterThan(0);
      expect([...liveIds].sort(), role).toEqual([...cleanIds].sort());
    }

    const pointer = await new LivePointer(redis, new Keys(config.namespace)).read();
    expect(pointer).toEqual({ namespace: `${config.namespace}-v2`, pending: null });
    // The live processor writes it now: no backfill may.
    await expect(startBackfill(ns('v2'), { emit: false }, silent)).rejects.toThrow(ConfigError);
  });

  it('moves a stopped processor when it starts, and it stays there', async () => {
    const v3 = ns('v3');
    await backfill(v3, false);
    // Arrive while nothing runs: the promoted state does not have them yet.
    await send(45, 50);
    const result = await promote(config, v3.namespace, { waitMs: 0 }, silent);
    expect(result).toMatchObject({ outcome: 'at-start', previous: `${config.namespace}-v2` });

    const live = await startLive(config, silent, { watchMs: 200 });
    try {
      expect(live.namespace).toBe(v3.namespace);
      await live.idle(200);
    } finally {
      await live.stop();
    }
    await backfill(ns('clean3'), false);
    expect(
      differences(
        await dumpNamespace(redis, v3.namespace),
        await dumpNamespace(redis, `${config.namespace}-clean3`),
      ),
    ).toEqual([]);

    const again = await startLive(config, silent);
    try {
      expect(again.namespace).toBe(v3.namespace);
      await again.idle(200);
      expect(again.stats.records).toBe(0);
    } finally {
      await again.stop();
    }
  });
});
