// Client options for Kafka and Redis built from the configuration: addresses,
// TLS and credentials, so that security is configuration and never code.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
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

/** What a Redis connection is made from: the Redis settings, and the client id that names the connection. */
export interface RedisSettings {
  redis: Config['redis'];
  kafka: Pick<Config['kafka'], 'clientId'>;
}

/**
 * A Redis client for the configuration: a single Redis, or with `redis.cluster`
 * an ioredis Cluster seeded from the URL's node. `overrides` are per-connection
 * options (e.g. maxRetriesPerRequest), applied to every node of a cluster.
 */
export function createRedis(config: RedisSettings, overrides: RedisOptions = {}): Redis | Cluster {
  const options = { ...redisOptions(config), ...overrides };
  if (!config.redis.cluster) return new Redis(options);
  const { host, port, db: _database, tls, lazyConnect, ...node } = options;
  return new Cluster([{ host: host as string, port: port as number }], {
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    // Each node the cluster announces is its own TLS server name: no SNI, the CA kept.
    redisOptions: { ...node, ...(tls ? { tls: { ...tls, servername: undefined } } : {}) },
    // A batch of commands for customers on every shard then goes as one
    // pipeline per node (src/state/redis-batch.ts).
    enableAutoPipelining: true,
  });
}

/** ioredis options for `new Redis(redisOptions(config))`: address, database, ACL user and TLS (with its CA) from the config. */
export function redisOptions(config: RedisSettings): RedisOptions {
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
