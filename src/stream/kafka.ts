// Kafka clients made from the configuration, and their failures as RfmErrors
// that say which brokers could not be reached.
import { Kafka } from 'kafkajs';
import { type Config, kafkaClientConfig } from '../config/config.js';
import { RfmError } from '../errors.js';
import { kafkaLogging, type Logger } from '../ops/logger.js';

export function createKafka(config: Pick<Config, 'kafka'>, logger: Logger): Kafka {
  return new Kafka(kafkaClientConfig(config, kafkaLogging(logger)));
}

/** Connects an admin, producer or consumer. @throws RfmError KAFKA_UNAVAILABLE naming the brokers. */
export async function connect<T extends { connect(): Promise<void> }>(
  client: T,
  config: Pick<Config, 'kafka'>,
): Promise<T> {
  try {
    await client.connect();
  } catch (error) {
    throw new RfmError(
      'KAFKA_UNAVAILABLE',
      `cannot connect to Kafka at ${config.kafka.brokers.join(',')} (${(error as Error).message}): ` +
        'check KAFKA_BROKERS, and KAFKA_SSL / KAFKA_SASL_* if the brokers need them',
      { cause: error },
    );
  }
  return client;
}
