// Dead letters: an input record that cannot be processed goes to the DLQ topic
// byte for byte, with the Kafka Connect error headers saying where it came from
// and why, so existing Connect tooling can read and replay it.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  /** The error code (an RfmError code or a rejection reason). */
  reason: string;
  errorMessage: string;
  /** The consumer group, reported as Connect's connector name. */
  groupId: string;
}

export function deadLetterMessage(dead: DeadLetter): Message {
  const { message } = dead;
  const headers: IHeaders = {
    ...(message.headers ?? {}),
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
  return { key: message.key, value: message.value, headers, timestamp: message.timestamp };
}
