// Client options for Kafka and Redis built from the configuration: addresses,
// TLS and credentials, so that security is configuration and never code.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors.js';
import type { Config } from './config.js';

/** The kafkajs client options, with TLS and SASL when configured. */
export function kafkaClientConfig(
  config: Pick<Config, 'kafka'>,
  logging: Pick<KafkaConfig, 'logLevel' | 'logCreator'> = {},
): KafkaConfig {
  const { brokers: list, clientId, ssl, sslCaFile, sasl: auth } = config.kafka;
  return {
    clientId,
    brokers: [...list],
    ssl: sslCaFile === undefined ? ssl : { ca: [readCaFile('KAFKA_SSL_CA_FILE', sslCaFile)] },
    ...(auth === undefined ? {} : { sasl: { ...auth } as SASLOptions }),
    ...logging,
  };
}

function readCaFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable}=${JSON.stringify(file)} cannot be read (${(error as Error).message}): give the path of a PEM file`,
      { cause: error },
    );
  }
}

/** ioredis options for `new Redis(redisOptions(config))`: address, database, ACL user and TLS (with its CA) from the config. */
export function redisOptions(config: Pick<Config, 'redis' | 'kafka'>): RedisOptions {
  const { tlsCaFile } = config.redis;
  const url = new URL(config.redis.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const username = config.redis.username ?? (decodeURIComponent(url.username) || undefined);
  const password = config.redis.password ?? (decodeURIComponent(url.password) || undefined);
  return {
    host,
    port: url.port === '' ? 6379 : Number(url.port),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    connectionName: config.kafka.clientId,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(url.protocol === 'rediss:'
      ? {
          tls: {
            // SNI takes host names only (RFC 6066); an address is checked against the certificate as it is.
            ...(isIP(host) === 0 ? { servername: host } : {}),
            ...(tlsCaFile === undefined ? {} : { ca: [readCaFile('REDIS_TLS_CA_FILE', tlsCaFile)] }),
          },
        }
      : {}),
  };
}
