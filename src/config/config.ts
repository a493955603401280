// The one configuration object of rfm-stream: every option, the environment
// variable it is read from and its default, validated once at start-up.
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import {
  bool,
  brokers,
  currency,
  decimal,
  duration,
  exchangeRates,
  integer,
  optionalText,
  redisUrl,
  text,
  topicName,
  url,
} from './fields.js';

export { createRedis, kafkaClientConfig, redisOptions } from './clients.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface Config {
  kafka: {
    /**
     * Bootstrap servers, `host:port`, comma-separated in the variable.
     * @default ['127.0.0.1:9092']
     */
    brokers: readonly string[];
    /**
     * Client id the brokers log and quota by.
     * @default 'rfm-stream'
     */
    clientId: string;
    /**
     * TLS to the brokers; implied by `sslCaFile`.
     * @default false
     */
    ssl: boolean;
    /**
     * PEM file of the CA that signed the brokers' certificates, when it is not a public one.
     * @default undefined
     */
    sslCaFile?: string;
    /**
     * SASL authentication; absent without a mechanism.
     * @default undefined
     */
    sasl?: { mechanism: SaslMechanism; username: string; password: string };
  };
  schemaRegistry: {
    /**
     * Base URL of the Confluent-compatible REST API. Apicurio serves it under
     * `/apis/ccompat/v7`; Confluent's registry and Karapace at the root.
     * @default 'http://127.0.0.1:8081/apis/ccompat/v7' (the local stack)
     */
    url: string;
    /** Basic-auth user. @default undefined */
    username?: string;
    /** Basic-auth password. @default undefined */
    password?: string;
  };
  redis: {
    /**
     * `redis://host:port/db`, or `rediss://` for TLS.
     * @default 'redis://127.0.0.1:6379'
     */
    url: string;
    /** ACL user; overrides one in the URL. @default undefined */
    username?: string;
    /** ACL password; overrides one in the URL. @default undefined */
    password?: string;
    /**
     * Whether `url` is a seed node of a Redis Cluster (database 0 only): keys are
     * then spread over the cluster's shards by their hash tags.
     * @default false
     */
    cluster: boolean;
    /**
     * PEM file of the CA that signed the server's certificate, when it is not a
     * public one; needs a `rediss://` URL.
     * @default undefined
     */
    tlsCaFile?: string;
  };
  /**
   * Prefix of every Redis key, and of the output topics of a backfill, so that
   * two namespaces never see each other's state.
   * @default 'rfm'
   */
  namespace: string;
  topics: {
    /** Input order events. @default 'orders' */
    orders: string;
    /** @default 'rfm.segment-changes' */
    segmentChanges: string;
    /** @default 'rfm.churn-risk' */
    churnRisk: string;
    /** Input records that cannot be processed. @default 'orders.dlq' */
    dlq: string;
    /**
     * Partitions of every topic `rfm topics` creates: the most processes one
     * consumer group can spread over.
     * @default 6
     */
    partitions: number;
    /** @default 1 */
    replicationFactor: number;
  };
  /** Consumer group of the processor. @default 'rfm-stream' */
  groupId: string;
  /**
   * The rolling window of F and M, in whole days ('365d' in the variable).
   * @default 365
   */
  windowDays: number;
  /**
   * How often, in event-time days, population thresholds are recomputed ('1d' in the variable).
   * @default 1
   */
  thresholdsCadenceDays: number;
  /** ISO-4217 code all money is kept in. @default 'USD' */
  reportingCurrency: string;
  /**
   * Units of the reporting currency per unit of another currency
   * ('EUR=1.08,GBP=1.27' in the variable). An event in a currency missing here goes to the DLQ.
   * @default {}
   */
  exchangeRates: Readonly<Record<string, number>>;
  /**
   * Largest amount of one event, in minor units of the reporting currency; larger ones go to the DLQ.
   * @default 100000000 (1,000,000.00)
   */
  maxAmountMinor: number;
  /**
   * How far an event time may be ahead of the wall clock before the event goes to the DLQ ('1d' in the variable).
   * @default 86400000
   */
  maxFutureSkewMs: number;
  /**
   * How many days an event may be older than its partition's clock (the latest
   * event day read) and still be applied; older ones go to the DLQ with reason
   * LATE. Must be shorter than the window ('7d' in the variable).
   * @default 7
   */
  allowedLatenessDays: number;
  /**
   * Live mode: once every assigned partition has read all it can, move the clock
   * with the wall clock's day, so customers who stop buying are noticed while no
   * orders arrive. Off, the clock is event time only and replays are deterministic.
   * @default false
   */
  idleAdvance: boolean;
  /**
   * Days without a purchase after which a customer counts as lapsed in the churn
   * rate of `rfm report` ('90d' in the variable). Longer than a month, and short
   * enough that the rolling state still holds the days the rate looks back on:
   * at most min(window, 180d) - allowed lateness - 31d. Null (no churn rate)
   * when the window is too short for any such value.
   * @default 90
   */
  churnAfterDays: number | null;
  /**
   * Horizon of expected transactions and predicted CLV under a fitted value model ('365d' in the variable).
   * @default 365
   */
  clvHorizonDays: number;
  /**
   * Yearly discount rate of predicted CLV, applied month by month (0.1 = 10 %).
   * @default 0
   */
  clvDiscountRate: number;
  /** Port of /metrics, /healthz, /readyz and /customers. @default 9400 */
  httpPort: number;
  /**
   * How long `rfm run` waits on SIGTERM for the batch in hand to finish and commit
   * before it gives the batch up (uncommitted, so it is read again) and exits.
   * Keep it below the pod's termination grace period ('20s' in the variable).
   * @default 20000
   */
  shutdownTimeoutMs: number;
  /** @default 'info' */
  logLevel: LogLevel;
}

interface Source {
  env: string;
  /** In the same spelling as the variable takes. */
  default?: string;
  secret?: boolean;
}

/** Where each option is read from. Defaults are here, once, in the variable's own spelling. */
export const CONFIG_SOURCES = {
  'kafka.brokers': { env: 'KAFKA_BROKERS', default: '127.0.0.1:9092' },
  'kafka.clientId': { env: 'RFM_CLIENT_ID', default: 'rfm-stream' },
  'kafka.ssl': { env: 'KAFKA_SSL', default: 'false' },
  'kafka.sslCaFile': { env: 'KAFKA_SSL_CA_FILE' },
  'kafka.sasl.mechanism': { env: 'KAFKA_SASL_MECHANISM' },
  'kafka.sasl.username': { env: 'KAFKA_SASL_USERNAME' },
  'kafka.sasl.password': { env: 'KAFKA_SASL_PASSWORD', secret: true },
  'schemaRegistry.url': { env: 'SCHEMA_REGISTRY_URL', default: 'http://127.0.0.1:8081/apis/ccompat/v7' },
  'schemaRegistry.username': { env: 'SCHEMA_REGISTRY_USERNAME' },
  'schemaRegistry.password': { env: 'SCHEMA_REGISTRY_PASSWORD', secret: true },
  'redis.url': { env: 'REDIS_URL', default: 'redis://127.0.0.1:6379', secret: true },
  'redis.username': { env: 'REDIS_USERNAME' },
  'redis.password': { env: 'REDIS_PASSWORD', secret: true },
  'redis.cluster': { env: 'REDIS_CLUSTER', default: 'false' },
  'redis.tlsCaFile': { env: 'REDIS_TLS_CA_FILE' },
  namespace: { env: 'RFM_NAMESPACE', default: 'rfm' },
  'topics.orders': { env: 'RFM_TOPIC_ORDERS', default: 'orders' },
  'topics.segmentChanges': { env: 'RFM_TOPIC_SEGMENT_CHANGES', default: 'rfm.segment-changes' },
  'topics.churnRisk': { env: 'RFM_TOPIC_CHURN_RISK', default: 'rfm.churn-risk' },
  'topics.dlq': { env: 'RFM_TOPIC_DLQ', default: 'orders.dlq' },
  'topics.partitions': { env: 'RFM_PARTITIONS', default: '6' },
  'topics.replicationFactor': { env: 'RFM_REPLICATION_FACTOR', default: '1' },
  groupId: { env: 'RFM_GROUP_ID', default: 'rfm-stream' },
  windowDays: { env: 'RFM_WINDOW', default: '365d' },
  thresholdsCadenceDays: { env: 'RFM_THRESHOLDS_CADENCE', default: '1d' },
  reportingCurrency: { env: 'RFM_CURRENCY', default: 'USD' },
  exchangeRates: { env: 'RFM_EXCHANGE_RATES', default: '' },
  maxAmountMinor: { env: 'RFM_MAX_AMOUNT', default: '100000000' },
  maxFutureSkewMs: { env: 'RFM_MAX_FUTURE', default: '1d' },
  allowedLatenessDays: { env: 'RFM_ALLOWED_LATENESS', default: '7d' },
  idleAdvance: { env: 'RFM_IDLE_ADVANCE', default: 'false' },
  churnAfterDays: { env: 'RFM_CHURN_AFTER', default: '90d' },
  clvHorizonDays: { env: 'RFM_CLV_HORIZON', default: '365d' },
  clvDiscountRate: { env: 'RFM_CLV_DISCOUNT_RATE', default: '0' },
  httpPort: { env: 'RFM_HTTP_PORT', default: '9400' },
  shutdownTimeoutMs: { env: 'RFM_SHUTDOWN_TIMEOUT', default: '20s' },
  logLevel: { env: 'RFM_LOG_LEVEL', default: 'info' },
} as const satisfies Record<string, Source>;

export type ConfigPath = keyof typeof CONFIG_SOURCES;

const sasl = z
  .object({
    mechanism: z
      .string()
      .transform((m) => m.trim().toLowerCase())
      .pipe(z.enum(SASL_MECHANISMS, { error: `must be one of ${SASL_MECHANISMS.join(', ')}` }))
      .optional(),
    username: optionalText,
    password: optionalText,
  })
  .superRefine((value, ctx) => {
    if (value.mechanism === undefined) {
      if (value.username !== undefined || value.password !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['mechanism'],
          message: `a SASL username or password needs a mechanism: set it to ${SASL_MECHANISMS.join(', ')}`,
        });
      }
      return;
    }
    for (const field of ['username', 'password'] as const) {
      if (!value[field]) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'KAFKA_SASL_MECHANISM needs both a username and a password: set it',
        });
      }
    }
  })
  .transform(({ mechanism, username, password }) =>
    mechanism && username && password ? { mechanism, username, password } : undefined,
  );

const schemaRegistry = z
  .object({
    url: url(['http:', 'https:'], 'http://127.0.0.1:8081/apis/ccompat/v7'),
    username: optionalText,
    password: optionalText,
  })
  .superRefine((value, ctx) => {
    if ((value.username === undefined) !== (value.password === undefined)) {
      const missing = value.username === undefined ? 'username' : 'password';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'basic auth needs both a username and a password',
      });
    }
  });

const configSchema = z
  .object({
    kafka: z
      .object({
        brokers,
        clientId: text,
        ssl: bool,
        sslCaFile: optionalText,
        sasl,
      })
      .transform(({ sslCaFile, ssl, sasl: auth, ...rest }) => ({
        ...rest,
        ssl: ssl || sslCaFile !== undefined,
        ...(sslCaFile === undefined ? {} : { sslCaFile }),
        ...(auth === undefined ? {} : { sasl: auth }),
      })),
    schemaRegistry,
    redis: z
      .object({
        url: redisUrl,
        username: optionalText,
        password: optionalText,
        cluster: bool,
        tlsCaFile: optionalText,
      })
      .superRefine(({ url, cluster, tlsCaFile }, ctx) => {
        if (cluster && !/^\/?0?$/.test(new URL(url).pathname)) {
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: 'a Redis Cluster has database 0 only: drop the database number from REDIS_URL',
          });
        }
        if (tlsCaFile !== undefined && !url.startsWith('rediss:')) {
          ctx.addIssue({
            code: 'custom',
            path: ['tlsCaFile'],
            message: 'a CA file is for TLS: give REDIS_URL as rediss://host:port',
          });
        }
      })
      .transform(({ tlsCaFile, ...rest }) => ({
        ...rest,
        ...(tlsCaFile === undefined ? {} : { tlsCaFile }),
      })),
    namespace: text.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    topics: z.object({
      orders: topicName,
      segmentChanges: topicName,
      churnRisk: topicName,
      dlq: topicName,
      partitions: integer(1, 10_000),
      replicationFactor: integer(1, 100),
    }),
    groupId: text,
    windowDays: duration('days'),
    thresholdsCadenceDays: duration('days'),
    reportingCurrency: currency,
    exchangeRates,
    maxAmountMinor: integer(1, Number.MAX_SAFE_INTEGER),
    maxFutureSkewMs: duration('ms'),
    allowedLatenessDays: duration('days'),
    idleAdvance: bool,
    churnAfterDays: duration('days'),
    clvHorizonDays: duration('days'),
    clvDiscountRate: decimal(0, 10),
    httpPort: integer(0, 65_535),
    shutdownTimeoutMs: duration('ms'),
    logLevel: z
      .string()
      .transform((l) => l.trim().toLowerCase())
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  })
  .superRefine((config, ctx) => {
    if (config.allowedLatenessDays >= config.windowDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedLatenessDays'],
        message: `must be shorter than the window RFM_WINDOW (${config.windowDays}d): an event older than the window can no longer be counted exactly`,
      });
    }
    const lookBack = churnLookBackDays(config);
    if (lookBack >= 32 && (config.churnAfterDays < 32 || config.churnAfterDays > lookBack)) {
      ctx.addIssue({
        code: 'custom',
        path: ['churnAfterDays'],
        message: `must be from 32d (longer than a month) to ${lookBack}d (min(RFM_WINDOW, 180d) - RFM_ALLOWED_LATENESS - 31d, the days the state keeps to look back on)`,
      });
    }
    const own = config.exchangeRates[config.reportingCurrency];
    if (own !== undefined && own !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchangeRates'],
        message: `gives ${config.reportingCurrency} a rate of ${own}, but it is the reporting currency (RFM_CURRENCY): remove it`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    churnAfterDays: churnLookBackDays(config) >= 32 ? config.churnAfterDays : null,
  }));

/** The longest lapse the churn rate can look back on: what the rolling state keeps, less lateness and a month. */
function churnLookBackDays(config: { windowDays: number; allowedLatenessDays: number }): number {
  return Math.min(config.windowDays, 180) - config.allowedLatenessDays - 31;
}

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Values that win over the environment, e.g. from command-line flags; same shape as Config. */
export type ConfigOverrides = DeepPartial<z.input<typeof configSchema>>;

/**
 * Reads the configuration from `env`, with `overrides` winning, and validates
 * all of it, so that a mistake stops the program before it touches anything.
 * Empty variables count as unset.
 * @throws ConfigError naming every wrong variable and what it should look like.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: ConfigOverrides = {},
): Readonly<Config> {
  const raw: Record<string, unknown> = {};
  for (const [path, source] of Object.entries(CONFIG_SOURCES) as [ConfigPath, Source][]) {
    const fromEnv = env[source.env];
    const value = valueAt(overrides, path) ?? (fromEnv === '' ? undefined : fromEnv) ?? source.default;
    setAt(raw, path, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      describeIssue(issue.path, issue.message, raw, overrides),
    );
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const config: Config = result.data;
  return deepFreeze(config);
}

function describeIssue(
  path: PropertyKey[],
  message: string,
  raw: Record<string, unknown>,
  overrides: ConfigOverrides,
): string {
  const key = path.map(String).join('.');
  const source = (CONFIG_SOURCES as Record<string, Source>)[key];
  if (!source) return `${key}: ${message}`;
  const value = valueAt(raw, key);
  const origin = valueAt(overrides, key) === undefined ? '' : ' (given on the command line)';
  if (value === undefined) return `${source.env} is unset: ${message}`;
  const shown = source.secret ? '<hidden>' : JSON.stringify(value);
  return `${source.env}=${shown}${origin}: ${message}`;
}

/** Overrides from option paths, e.g. [['topics.orders', 'x']]: the shape command-line flags come in. */
export function overridesAt(values: Iterable<readonly [ConfigPath, unknown]>): ConfigOverrides {
  const overrides: Record<string, unknown> = {};
  for (const [path, value] of values) setAt(overrides, path, value);
  return overrides as ConfigOverrides;
}

function valueAt(tree: unknown, path: string): unknown {
  let node = tree;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setAt(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = tree;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  if (value !== undefined) node[last] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
