// Dead letters: an input record that cannot be processed goes to the DLQ topic
// byte for byte, with the Kafka Connect error headers saying where it came from
// and why, so existing Connect tooling can read and replay it.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** What a dead letter carries of its input record. */
export type InputRecord = Pick<KafkaMessage, 'key' | 'value' | 'headers' | 'timestamp' | 'offset'>;

export interface DeadLetter {
  topic: string;
  partition: number;
  message: InputRecord;
  /** The error code (an RfmError code or a rejection reason). */
  reason: string;
  errorMessage: string;
  /** The consumer group, reported as Connect's connector name. */
  groupId: string;
}

export function deadLetterMessage(dead: DeadLetter): Message {
  const { message } = dead;
  const headers: IHeaders = { ...(message.headers ?? {}), ...errorHeaders(dead) };
  return { key: message.key, value: message.value, headers, timestamp: message.timestamp };
}

/**
 * The dead letter of a record that is too large for the DLQ topic once the
 * error headers are added: the error headers alone, and where to read the
 * record in the input topic, so that its partition goes on and nothing is lost.
 */
export function oversizedDeadLetterMessage(dead: DeadLetter): Message {
  const { message } = dead;
  const bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  const headers: IHeaders = {
    ...errorHeaders(dead),
    'rfm.dlq.dropped': `key, value and headers (${bytes} bytes of key and value) are beyond the DLQ topic's max.message.bytes: the record is at ${dead.topic} partition ${dead.partition} offset ${message.offset}`,
  };
  return { key: null, value: null, headers, timestamp: message.timestamp };
}

/** Whether Kafka refused a record as beyond its topic's or broker's size limit. */
export function isTooLarge(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { type, cause } = e as { type?: unknown; cause?: unknown };
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
    e = cause;
  }
  return false;
}

function errorHeaders(dead: DeadLetter): IHeaders {
  const { message } = dead;
  return {
    '__connect.errors.topic': dead.topic,
    '__connect.errors.partition': String(dead.partition),
    '__connect.errors.offset': message.offset,
    '__connect.errors.connector.name': dead.groupId,
    '__connect.errors.task.id': '0',
    '__connect.errors.stage':
      dead.reason === 'NOT_AVRO' || dead.reason === 'UNKNOWN_SCHEMA' ? 'VALUE_CONVERTER' : 'TASK_PUT',
    '__connect.errors.class.name': 'io.rfmstream.Processor',
    '__connect.errors.exception.class.name': `io.rfmstream.${dead.reason}`,
    '__connect.errors.exception.message': dead.errorMessage,
    'rfm.dlq.reason': dead.reason,
  };
}
