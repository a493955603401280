import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { deadLetterMessage, isTooLarge, oversizedDeadLetterMessage } from '../../src/stream/dlq.js';

const dead = {
  topic: 'orders',
  partition: 3,
  message: {
    key: Buffer.from('c-1'),
    value: Buffer.alloc(2_000_000),
    headers: { trace: 'x' },
    offset: '42',
    timestamp: '1700000000000',
    attributes: 0,
  },
  reason: 'INVALID_CUSTOMER_ID',
  errorMessage: 'customerId is 2000000 characters, at most 256',
  groupId: 'rfm-stream',
};

describe('dead letters', () => {
  it('carry the record byte for byte with the Kafka Connect error headers', () => {
    const letter = deadLetterMessage(dead);
    expect(letter.key).toBe(dead.message.key);
    expect(letter.value).toBe(dead.message.value);
    expect(letter.headers).toMatchObject({
      trace: 'x',
      '__connect.errors.topic': 'orders',
      '__connect.errors.partition': '3',
      '__connect.errors.offset': '42',
      'rfm.dlq.reason': 'INVALID_CUSTOMER_ID',
    });
  });

  it('of a record too large for the DLQ topic keep the error headers and say where the record is', () => {
    const letter = oversizedDeadLetterMessage(dead);
    expect(letter.key).toBeNull();
    expect(letter.value).toBeNull();
    expect(letter.headers).not.toHaveProperty('trace');
    expect(letter.headers).toMatchObject({
      '__connect.errors.offset': '42',
      'rfm.dlq.reason': 'INVALID_CUSTOMER_ID',
    });
    expect(String(letter.headers?.['rfm.dlq.dropped'])).toContain('orders partition 3 offset 42');
  });

  it('tell a size refusal, wrapped by the producer or not, from other failures', () => {
    // As the broker's answer comes: a protocol error of a type, which kafkajs's retrier wraps.
    const protocolError = (type: string) =>
      new KafkaJSProtocolError(Object.assign(new Error(type), { type }));
    const tooLarge = protocolError('MESSAGE_TOO_LARGE');
    expect(isTooLarge(tooLarge)).toBe(true);
    expect(isTooLarge(Object.assign(new KafkaJSNonRetriableError(tooLarge), { cause: tooLarge }))).toBe(true);
    expect(isTooLarge(protocolError('RECORD_LIST_TOO_LARGE'))).toBe(true);
    expect(isTooLarge(protocolError('TOPIC_AUTHORIZATION_FAILED'))).toBe(false);
    expect(isTooLarge(new Error('MESSAGE_TOO_LARGE'))).toBe(false);
  });
});
