import { ReplyError } from 'ioredis';
import {
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS } from '../src/domain/admission.js';
import { ConfigError, ERROR_CODES, isRetriable, RfmError } from '../src/errors.js';

describe('RfmError', () => {
  it('takes its retriability from its code unless told otherwise', () => {
    expect(new RfmError('REDIS_UNAVAILABLE', 'down').retriable).toBe(true);
    expect(new RfmError('NOT_AVRO', 'bytes').retriable).toBe(false);
    expect(new RfmError('KAFKA_UNAVAILABLE', 'auth', { retriable: false }).retriable).toBe(false);
    expect(new ConfigError('x')).toMatchObject({ code: 'CONFIG', retriable: false, name: 'ConfigError' });
  });

  it('has a code for every reason admission rejects an order with', () => {
    for (const reason of REJECT_REASONS) expect(Object.keys(ERROR_CODES)).toContain(reason);
  });
});

describe('isRetriable', () => {
  it('decides from the flag of our errors and of kafkajs errors, and treats anything else as permanent', () => {
    expect(isRetriable(new RfmError('SCHEMA_REGISTRY_UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetriable(new KafkaJSConnectionError('x'))).toBe(true);
    expect(isRetriable(new KafkaJSNonRetriableError('x'))).toBe(false);
    expect(isRetriable(new TypeError('bug'))).toBe(false);
    expect(isRetriable('text')).toBe(false);
  });

  it('waits out a group coordinator not found: kafkajs gives up on it while the brokers are away', () => {
    expect(
      isRetriable(
        new (KafkaJSGroupCoordinatorNotFound as unknown as new (m: string) => Error)(
          'Failed to find group coordinator',
        ),
      ),
    ).toBe(true);
  });

  it('waits out a Redis or a cluster master away, and not a refusal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7001'), { code: 'ECONNREFUSED' });
    expect(isRetriable(refused)).toBe(true);
    expect(isRetriable(new ReplyError('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isRetriable(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(true);
    expect(isRetriable(new ReplyError('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRetriable(new Error('Connection is closed.'))).toBe(true);
    // ioredis's auto-pipelining, when the slots cache changed under a queued pipeline.
    expect(
      isRetriable(new Error('All keys in the pipeline should belong to the same slots allocation group')),
    ).toBe(true);
    expect(isRetriable(new Error('All the keys in a pipeline command should belong to the same slot'))).toBe(
      false,
    );
    expect(isRetriable(new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'))).toBe(
      false,
    );
    expect(
      isRetriable(new ReplyError("NOPERM this user has no permissions to run the 'flushall' command")),
    ).toBe(false);
    expect(isRetriable(new ReplyError('ERR wrong number of arguments'))).toBe(false);
  });

  /** kafkajs's constructors as its retrier calls them: its typings list fewer arguments. */
  const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;
  const RetriesExceeded = KafkaJSNumberOfRetriesExceeded as unknown as new (
    e: Error,
    o: { retryCount: number; retryTime: number },
  ) => Error;
  const Protocol = KafkaJSProtocolError as unknown as new (e: {
    type: string;
    code: number;
    retriable: boolean;
    message: string;
  }) => Error;

  it('treats the consumer group moving on (a rebalance) as something rejoining cures', () => {
    const rebalancing = new Protocol({
      type: 'REBALANCE_IN_PROGRESS',
      code: 27,
      retriable: false,
      message: 'The group is rebalancing, so a rejoin is needed',
    });
    expect(isRetriable(rebalancing)).toBe(true);
  });

  it('waits out a broker that stays away longer than kafkajs retries, but not a refusal', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const exhausted = new RetriesExceeded(refused, { retryCount: 10, retryTime: 1000 });
    expect(isRetriable(exhausted)).toBe(true);
    // What an outer retrier makes of an inner one that gave up: the cause is kept.
    expect(isRetriable(new NonRetriable(exhausted, { cause: refused }))).toBe(true);
    const denied = new Protocol({
      type: 'TOPIC_AUTHORIZATION_FAILED',
      code: 29,
      retriable: false,
      message: 'Not authorized to access topics: [Topic authorization failed]',
    });
    expect(isRetriable(new NonRetriable(denied, { cause: denied }))).toBe(false);
    expect(isRetriable(new RetriesExceeded(new TypeError('bug'), { retryCount: 0, retryTime: 0 }))).toBe(
      false,
    );
  });
});
