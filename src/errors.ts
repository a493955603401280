// The one error type of rfm-stream: a closed set of codes, each either retriable
// (wait and try again) or not (the input or the set-up is wrong).

export const ERROR_CODES = {
  /** The configuration or a command-line argument is invalid. */
  CONFIG: { retriable: false },
  /** A record value that is not in the Confluent wire format (magic byte 0, schema id). */
  NOT_AVRO: { retriable: false },
  /** A record names a schema id the registry does not know. */
  UNKNOWN_SCHEMA: { retriable: false },
  /** A record that does not decode, or decodes with missing or malformed fields. */
  INVALID_EVENT: { retriable: false },
  /** An empty or overlong customer id. */
  INVALID_CUSTOMER_ID: { retriable: false },
  /** An amount in a currency with no configured exchange rate. */
  UNKNOWN_CURRENCY: { retriable: false },
  /** A negative amount, or one above the configured maximum. */
  AMOUNT_OUT_OF_RANGE: { retriable: false },
  /** An event time further ahead of the wall clock than the configured skew. */
  FUTURE_TIMESTAMP: { retriable: false },
  /** An event time before the earliest accepted one (a missing or zeroed time). */
  PAST_TIMESTAMP: { retriable: false },
  /** An event more than the allowed lateness older than its partition's clock. */
  LATE: { retriable: false },
  /** The registry refused a schema (incompatible with the subject's history, or malformed). */
  SCHEMA_REJECTED: { retriable: false },
  /** A schema the program needs is not registered (run `rfm topics`). */
  SCHEMA_NOT_REGISTERED: { retriable: false },
  /** A topic the program needs does not exist (run `rfm topics`). */
  TOPIC_MISSING: { retriable: false },
  /** The value models cannot be fitted to the calibration data (no repeat buyers, no optimum). */
  FIT_FAILED: { retriable: false },
  /** An input file that cannot be read. */
  INPUT_FILE: { retriable: false },
  /**
   * Another process wrote a customer of a partition since this one read it: a
   * rebalance moved the partition. The write is refused (fenced); rejoining the
   * group and reading again cures it.
   */
  OWNERSHIP_LOST: { retriable: true },
  REDIS_UNAVAILABLE: { retriable: true },
  KAFKA_UNAVAILABLE: { retriable: true },
  SCHEMA_REGISTRY_UNAVAILABLE: { retriable: true },
} as const satisfies Record<string, { retriable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RfmErrorOptions {
  /** Overrides the code's usual retriability, when the caller knows better. */
  retriable?: boolean;
  cause?: unknown;
}

export class RfmError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: RfmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RfmError';
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
  }
}

/** A configuration value is wrong; the message names the variable and how to fix it. */
export class ConfigError extends RfmError {
  constructor(message: string, options: Omit<RfmErrorOptions, 'retriable'> = {}) {
    super('CONFIG', message, options);
    this.name = 'ConfigError';
  }
}

/** kafkajs protocol errors saying the consumer group has moved on: rejoining it cures them. */
const GROUP_MOVED_ON = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/**
 * What ioredis reports while a Redis or a master of a cluster is away: a
 * connection closed, refused or reset, a cluster without every slot served
 * (CLUSTERDOWN) or moving slots (TRYAGAIN), a node still loading its data. On a
 * single Redis commands wait for the connection instead; on a cluster with
 * auto-pipelining they fail at once with these. Auto-pipelining also refuses a
 * pipeline whose commands' nodes changed between queuing and sending it (the
 * slots cache refreshed meanwhile: "same slots allocation group"); every
 * command of ours names its key first, so sending again groups them right.
 */
const REDIS_OUTAGE =
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN)\b|Connection is closed|Failed to refresh slots cache|None of startup nodes is available|Too many Cluster redirections|All keys in the pipeline should belong to the same slots allocation group/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return REDIS_OUTAGE.test(error.message);
}

/**
 * Whether trying again later can succeed. Errors from kafkajs carry their own
 * `retriable` flag; anything else unknown is treated as permanent, so a bug
 * sends one record to the DLQ instead of stalling its partition forever.
 * kafkajs gives up on a broker that stays away by wrapping the failure in a
 * non-retriable error (KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError):
 * what decides is the failure it wraps, so an outage longer than kafkajs's own
 * retries is waited out, while a refusal (authorization, a record too large) is not.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof RfmError) return error.retriable;
  if (isRedisOutage(error)) return true;
  if (typeof error === 'object' && error !== null && 'retriable' in error) {
    if ((error as { retriable: unknown }).retriable === true) return true;
    const { name, cause, type } = error as { name?: unknown; cause?: unknown; type?: unknown };
    if (typeof type === 'string' && GROUP_MOVED_ON.has(type)) return true;
    // kafkajs calls it non-retriable once its own retries are spent; it lasts as long as the brokers are away.
    if (name === 'KafkaJSGroupCoordinatorNotFound') return true;
    const wrapper = name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSNonRetriableError';
    return wrapper && cause !== error && isRetriable(cause);
  }
  return false;
}
