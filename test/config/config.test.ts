import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedis, kafkaClientConfig, loadConfig, redisOptions } from '../../src/config/config.js';
import { ConfigError, RfmError } from '../../src/errors.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has a default for every option, targeting the local stack', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'rfm-stream', ssl: false },
      schemaRegistry: { url: 'http://127.0.0.1:8081/apis/ccompat/v7' },
      redis: { url: 'redis://127.0.0.1:6379', cluster: false },
      namespace: 'rfm',
      topics: {
        orders: 'orders',
        segmentChanges: 'rfm.segment-changes',
        churnRisk: 'rfm.churn-risk',
        dlq: 'orders.dlq',
        partitions: 6,
        replicationFactor: 1,
      },
      groupId: 'rfm-stream',
      windowDays: 365,
      thresholdsCadenceDays: 1,
      reportingCurrency: 'USD',
      exchangeRates: {},
      maxAmountMinor: 100_000_000,
      maxFutureSkewMs: 86_400_000,
      allowedLatenessDays: 7,
      idleAdvance: false,
      churnAfterDays: 90,
      clvHorizonDays: 365,
      clvDiscountRate: 0,
      httpPort: 9400,
      shutdownTimeoutMs: 20_000,
      logLevel: 'info',
    });
  });

  it('keeps the churn lapse within what the rolling state can look back on', () => {
    expect(loadConfig({ RFM_CHURN_AFTER: '142d' }).churnAfterDays).toBe(142);
    expect(() => loadConfig({ RFM_CHURN_AFTER: '143d' })).toThrow(/RFM_CHURN_AFTER.*from 32d .* to 142d/s);
    expect(() => loadConfig({ RFM_CHURN_AFTER: '30d' })).toThrow(/RFM_CHURN_AFTER/);
    // A window too short for any lapse: no churn rate rather than an error.
    expect(loadConfig({ RFM_WINDOW: '60d' }).churnAfterDays).toBeNull();
  });

  it('reads the value-model settings', () => {
    const config = loadConfig({ RFM_CLV_HORIZON: '90d', RFM_CLV_DISCOUNT_RATE: '0.1' });
    expect(config.clvHorizonDays).toBe(90);
    expect(config.clvDiscountRate).toBe(0.1);
    expect(() => loadConfig({ RFM_CLV_DISCOUNT_RATE: 'ten' })).toThrow(
      /RFM_CLV_DISCOUNT_RATE.*number from 0 to 10/s,
    );
  });

  it('reads every option from its environment variable', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9093',
      RFM_CLIENT_ID: 'me',
      KAFKA_SSL: 'TRUE',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      SCHEMA_REGISTRY_URL: 'https://registry.example.com/',
      SCHEMA_REGISTRY_USERNAME: 'ru',
      SCHEMA_REGISTRY_PASSWORD: 'rp',
      REDIS_URL: 'rediss://cache:6380',
      REDIS_USERNAME: 'rfm',
      REDIS_PASSWORD: 'secret',
      REDIS_CLUSTER: 'true',
      RFM_NAMESPACE: 'backfill-1',
      RFM_TOPIC_ORDERS: 'o',
      RFM_TOPIC_SEGMENT_CHANGES: 's',
      RFM_TOPIC_CHURN_RISK: 'c',
      RFM_TOPIC_DLQ: 'd',
      RFM_PARTITIONS: '12',
      RFM_REPLICATION_FACTOR: '3',
      RFM_GROUP_ID: 'g',
      RFM_WINDOW: '180d',
      RFM_THRESHOLDS_CADENCE: '7d',
      RFM_CURRENCY: 'eur',
      RFM_EXCHANGE_RATES: 'usd=0.92, GBP=1.17',
      RFM_MAX_AMOUNT: '500',
      RFM_MAX_FUTURE: '30s',
      RFM_HTTP_PORT: '0',
      RFM_SHUTDOWN_TIMEOUT: '45s',
      RFM_LOG_LEVEL: 'DEBUG',
    });
    expect(config.kafka).toEqual({
      brokers: ['k1:9092', 'k2:9093'],
      clientId: 'me',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(config.schemaRegistry).toEqual({
      url: 'https://registry.example.com',
      username: 'ru',
      password: 'rp',
    });
    expect(config.redis).toEqual({
      url: 'rediss://cache:6380',
      username: 'rfm',
      password: 'secret',
      cluster: true,
    });
    expect(config.topics).toEqual({
      orders: 'o',
      segmentChanges: 's',
      churnRisk: 'c',
      dlq: 'd',
      partitions: 12,
      replicationFactor: 3,
    });
    expect(config.windowDays).toBe(180);
    expect(config.thresholdsCadenceDays).toBe(7);
    expect(config.reportingCurrency).toBe('EUR');
    expect(config.exchangeRates).toEqual({ USD: 0.92, GBP: 1.17 });
    expect(config.maxAmountMinor).toBe(500);
    expect(config.maxFutureSkewMs).toBe(30_000);
    expect(config.httpPort).toBe(0);
    expect(config.shutdownTimeoutMs).toBe(45_000);
    expect(config.logLevel).toBe('debug');
  });

  it('lets overrides win over the environment, and ignores empty variables', () => {
    const config = loadConfig(
      { RFM_TOPIC_ORDERS: 'from-env', RFM_PARTITIONS: '3', RFM_NAMESPACE: '' },
      { topics: { orders: 'from-flag' }, windowDays: 30, maxFutureSkewMs: '2h', kafka: { brokers: ['a:1'] } },
    );
    expect(config.topics.orders).toBe('from-flag');
    expect(config.topics.partitions).toBe(3);
    expect(config.namespace).toBe('rfm');
    expect(config.windowDays).toBe(30);
    expect(config.maxFutureSkewMs).toBe(7_200_000);
    expect(config.kafka.brokers).toEqual(['a:1']);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.topics)).toBe(true);
    expect(() => {
      (config.topics as { orders: string }).orders = 'x';
    }).toThrow(TypeError);
  });

  it.each([
    [{ RFM_WINDOW: '90' }, /RFM_WINDOW="90": must be a positive duration with a unit .* e\.g\. '90d'/],
    [{ RFM_WINDOW: '36h' }, /RFM_WINDOW="36h": must be whole days/],
    [{ RFM_THRESHOLDS_CADENCE: '12h' }, /RFM_THRESHOLDS_CADENCE="12h": must be whole days/],
    [{ RFM_MAX_FUTURE: 'soon' }, /RFM_MAX_FUTURE="soon": must be a positive duration/],
    [{ RFM_PARTITIONS: 'six' }, /RFM_PARTITIONS="six": must be a whole number from 1 to 10000/],
    [{ RFM_PARTITIONS: '0' }, /RFM_PARTITIONS="0": must be a whole number/],
    [{ RFM_HTTP_PORT: '70000' }, /RFM_HTTP_PORT="70000": must be a whole number from 0 to 65535/],
    [
      { KAFKA_BROKERS: 'localhost' },
      /KAFKA_BROKERS="localhost": must be a comma-separated list of host:port/,
    ],
    [{ KAFKA_SSL: 'maybe' }, /KAFKA_SSL="maybe": must be true or false/],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi' },
      /KAFKA_SASL_MECHANISM="gssapi": must be one of plain, scram-sha-256/,
    ],
    [
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      /KAFKA_SASL_PASSWORD is unset: .*needs both/,
    ],
    [{ KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_MECHANISM is unset: .*set it to plain/],
    [{ SCHEMA_REGISTRY_URL: 'localhost:8081' }, /SCHEMA_REGISTRY_URL="localhost:8081": must start with http/],
    [{ SCHEMA_REGISTRY_USERNAME: 'u' }, /SCHEMA_REGISTRY_PASSWORD is unset: basic auth needs both/],
    [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL=<hidden>: must start with redis:\/\/ or rediss:\/\//],
    [
      { REDIS_URL: 'redis://cache:7001/2', REDIS_CLUSTER: 'true' },
      /REDIS_URL=<hidden>: a Redis Cluster has database 0 only/,
    ],
    [{ RFM_CURRENCY: 'dollars' }, /RFM_CURRENCY="dollars": must be an ISO-4217 currency code/],
    [
      { RFM_EXCHANGE_RATES: 'EUR:1.08' },
      /RFM_EXCHANGE_RATES="EUR:1.08": must be a comma-separated list of CODE=rate/,
    ],
    [{ RFM_EXCHANGE_RATES: 'EUR=-1' }, /RFM_EXCHANGE_RATES="EUR=-1": must be/],
    [{ RFM_EXCHANGE_RATES: 'USD=1.1' }, /RFM_EXCHANGE_RATES="USD=1.1": gives USD a rate of 1.1.*remove it/],
    [{ RFM_TOPIC_ORDERS: 'my orders' }, /RFM_TOPIC_ORDERS="my orders": must be a Kafka topic name/],
    [{ RFM_NAMESPACE: 'a:b' }, /RFM_NAMESPACE="a:b": must be 1-64 letters/],
    [{ RFM_LOG_LEVEL: 'verbose' }, /RFM_LOG_LEVEL="verbose": must be one of fatal, error/],
    [{ RFM_MAX_AMOUNT: '1e6' }, /RFM_MAX_AMOUNT="1e6": must be a whole number/],
  ])('names the variable and the fix for %j', (env, message) => {
    const error = configError(() => loadConfig(env));
    expect(error.message).toMatch(message);
    expect(error.code).toBe('CONFIG');
    expect(error.retriable).toBe(false);
    expect(error).toBeInstanceOf(RfmError);
  });

  it('reports every wrong variable at once, and says when the value came from the command line', () => {
    const error = configError(() => loadConfig({ RFM_PARTITIONS: 'x' }, { windowDays: '2w' }));
    expect(error.message).toContain('RFM_PARTITIONS="x"');
    expect(error.message).toContain('RFM_WINDOW="2w" (given on the command line)');
  });

  it('accepts an exchange-rate entry of 1 for the reporting currency itself', () => {
    expect(loadConfig({ RFM_EXCHANGE_RATES: 'USD=1,EUR=1.08' }).exchangeRates).toEqual({ USD: 1, EUR: 1.08 });
  });
});

describe('kafkaClientConfig', () => {
  it('passes TLS with the CA file and SASL to kafkajs', () => {
    const ca = join(tmpdir(), `rfm-ca-${process.pid}.pem`);
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const config = loadConfig({
      KAFKA_BROKERS: 'b:9093',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(config.kafka.ssl).toBe(true);
    expect(kafkaClientConfig(config)).toEqual({
      clientId: 'rfm-stream',
      brokers: ['b:9093'],
      ssl: { ca: ['-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n'] },
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
  });

  it('names KAFKA_SSL_CA_FILE when the file cannot be read', () => {
    const config = loadConfig({ KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' });
    expect(configError(() => kafkaClientConfig(config)).message).toMatch(
      /^KAFKA_SSL_CA_FILE="\/nonexistent\/ca.pem"/,
    );
  });

  it('leaves TLS and SASL out by default', () => {
    expect(kafkaClientConfig(loadConfig({}))).toEqual({
      clientId: 'rfm-stream',
      brokers: ['127.0.0.1:9092'],
      ssl: false,
    });
  });
});

describe('redisOptions', () => {
  it('takes address, database, credentials and TLS from the URL', () => {
    expect(redisOptions(loadConfig({ REDIS_URL: 'rediss://app:pw%40x@cache.internal:6380/3' }))).toEqual({
      host: 'cache.internal',
      port: 6380,
      db: 3,
      connectionName: 'rfm-stream',
      username: 'app',
      password: 'pw@x',
      tls: { servername: 'cache.internal' },
    });
  });

  it('trusts the CA of REDIS_TLS_CA_FILE, and only for a rediss:// URL; no SNI for an address', () => {
    const ca = join(tmpdir(), `rfm-redis-ca-${process.pid}.pem`);
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\ny\n-----END CERTIFICATE-----\n');
    expect(
      redisOptions(loadConfig({ REDIS_URL: 'rediss://rfm:pw@127.0.0.1:6380', REDIS_TLS_CA_FILE: ca })).tls,
    ).toEqual({
      ca: ['-----BEGIN CERTIFICATE-----\ny\n-----END CERTIFICATE-----\n'],
    });
    expect(configError(() => loadConfig({ REDIS_TLS_CA_FILE: ca })).message).toMatch(
      /REDIS_TLS_CA_FILE=.*give REDIS_URL as rediss:/,
    );
    const missing = loadConfig({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' });
    expect(configError(() => redisOptions(missing)).message).toMatch(/^REDIS_TLS_CA_FILE="\/nonexistent/);
  });

  it('lets REDIS_USERNAME and REDIS_PASSWORD win over the URL', () => {
    const options = redisOptions(
      loadConfig({ REDIS_URL: 'redis://a:b@127.0.0.1', REDIS_USERNAME: 'acl', REDIS_PASSWORD: 'pw' }),
    );
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      connectionName: 'rfm-stream',
      username: 'acl',
      password: 'pw',
    });
  });
});

describe('createRedis', () => {
  it('makes a single Redis client, or with REDIS_CLUSTER a Cluster client seeded from REDIS_URL', () => {
    const single = createRedis(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390' }), { lazyConnect: true });
    const cluster = createRedis(loadConfig({ REDIS_URL: 'redis://127.0.0.1:7090', REDIS_CLUSTER: 'true' }), {
      lazyConnect: true,
    });
    try {
      expect(single.isCluster).toBe(false);
      expect(cluster.isCluster).toBe(true);
      expect((cluster as Cluster).options.enableAutoPipelining).toBe(true);
      expect((cluster as Cluster).options.redisOptions).toMatchObject({ connectionName: 'rfm-stream' });
    } finally {
      single.disconnect();
      cluster.disconnect();
    }
  });
});

describe('allowed lateness', () => {
  it('must be shorter than the window, and says so naming both variables', () => {
    expect(() => loadConfig({ RFM_WINDOW: '30d', RFM_ALLOWED_LATENESS: '30d' })).toThrow(/RFM_WINDOW/);
    expect(loadConfig({ RFM_WINDOW: '30d', RFM_ALLOWED_LATENESS: '29d' }).allowedLatenessDays).toBe(29);
  });
});
