// Structured JSON logs on stderr (stdout is left to command output), and the
// bridge that sends kafkajs's own log lines through the same logger.
import { type KafkaConfig, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from '../config/config.js';

export type { Logger } from 'pino';

/**
 * The program's root logger. Writes synchronously: a CLI that exits right after
 * an error must not lose the line that explains it, and the processor logs per
 * batch and per incident, never per event.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'kafka'>,
  destination: DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino(
    {
      name: config.kafka.clientId,
      level: config.logLevel,
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * pino's error serializer, without the arguments of a failed Redis command:
 * ioredis puts them on its errors (`command.args`), and they are AUTH's
 * password or a script's keys and values, which name customers.
 */
export function serializeError(error: unknown): unknown {
  return withoutCommandArgs(pino.stdSerializers.err(error as Error), new Set());
}

function withoutCommandArgs(value: unknown, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  const entries = Object.entries(value).map(([key, child]) => {
    if (key === 'command' && typeof child === 'object' && child !== null && 'args' in child) {
      const { args, ...rest } = child as { args: unknown };
      return [key, { ...rest, args: Array.isArray(args) ? `[${args.length} arguments]` : '[arguments]' }];
    }
    return [key, withoutCommandArgs(child, seen)];
  });
  return Array.isArray(value) ? entries.map(([, child]) => child) : Object.fromEntries(entries);
}

const KAFKA_LEVEL_OF: Record<string, KafkaLogLevel> = {
  silent: KafkaLogLevel.NOTHING,
  fatal: KafkaLogLevel.ERROR,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
  trace: KafkaLogLevel.DEBUG,
};

/** kafkajs `logLevel` and `logCreator` options that log through `logger`, at its level. */
export function kafkaLogging(logger: Logger): Pick<KafkaConfig, 'logLevel' | 'logCreator'> {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return {
    logLevel: KAFKA_LEVEL_OF[logger.level] ?? KafkaLogLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
        const entry = { namespace, ...fields };
        if (level === KafkaLogLevel.ERROR) kafkaLogger.error(entry, message);
        else if (level === KafkaLogLevel.WARN) kafkaLogger.warn(entry, message);
        else if (level === KafkaLogLevel.INFO) kafkaLogger.info(entry, message);
        else kafkaLogger.debug(entry, message);
      },
  };
}
