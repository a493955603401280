import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs';
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
});
