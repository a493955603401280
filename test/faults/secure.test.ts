// Item 7: security is configuration. The local stack started secure
// (deploy/local/stack with RFM_STACK_SECURE=1: Kafka on SASL_SSL with SCRAM,
// Redis on TLS with an ACL user) and `rfm run` given only the variables
// `stack env` prints: the state is the reference's, what is not configured that
// way is refused, and no log line at info level holds a secret or a customer id,
// not even when a password is wrong.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../src/config/config.js';
import type { OrderEvent } from '../../src/stream/records.js';
import { CUSTOMER_ID_PATTERN } from './support/dataset.js';
import { conclude, expectNoCustomerIds, Fleet, processingTimeoutMs, progress } from './support/scenario.js';
import { freePort } from './support/services.js';
import { dataset, PARTITIONS, StackClients, suite } from './support/stack.js';

const run = promisify(execFile);
const stackScript = fileURLToPath(new URL('../../deploy/local/stack', import.meta.url));

/** deploy/local/stack, secure, on free ports with its state in `dir`. */
class SecureLocalStack {
  private constructor(private readonly variables: Record<string, string>) {}

  static async start(dir: string): Promise<SecureLocalStack> {
    const variables = {
      RFM_STACK_SECURE: '1',
      RFM_STACK_RUN_DIR: dir,
      RFM_KAFKA_PORT: String(await freePort()),
      RFM_KAFKA_CONTROLLER_PORT: String(await freePort()),
      RFM_REGISTRY_PORT: String(await freePort()),
      RFM_REDIS_PORT: String(await freePort()),
      RFM_REGISTRY_STORAGE: 'mem',
      RFM_STACK_TIMEOUT: '300',
    };
    const stack = new SecureLocalStack(variables);
    await stack.command('up');
    return stack;
  }

  async command(name: 'up' | 'down' | 'env'): Promise<string> {
    const { stdout } = await run('bash', [stackScript, name], {
      env: { ...process.env, ...this.variables },
      maxBuffer: 16 << 20,
    });
    return stdout;
  }

  /** What `stack env` prints: the variables a client of the secure stack needs. */
  async clientEnv(): Promise<Record<string, string>> {
    const lines = (await this.command('env')).trim().split('\n');
    return Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  /** Every credential the stack made (the broker's own, the keystore's, the clients'). */
  secrets(): string[] {
    const file = join(this.variables.RFM_STACK_RUN_DIR as string, 'credentials.env');
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(line.indexOf('=') + 1));
  }
}

// deploy/local/stack's secure set-up has a single Redis: with RFM_FAULT_REDIS=cluster
// this scenario is skipped (the other scenarios run on the cluster).
const onCluster = suite().redis === 'cluster';
const title = onCluster
  ? 'the secure local stack: single Redis only, skipped with RFM_FAULT_REDIS=cluster'
  : 'the secure local stack (SASL_SSL, Redis TLS and ACL)';

describe.skipIf(onCluster)(title, () => {
  let dir: string;
  const events: OrderEvent[] = dataset().events;
  let local: SecureLocalStack;
  let stack: StackClients;
  let fleet: Fleet;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rfm-fault-secure-'));
    progress('secure: starting deploy/local/stack with RFM_STACK_SECURE=1');
    local = await SecureLocalStack.start(join(dir, 'stack'));
    stack = new StackClients(dir, { ...(await local.clientEnv()), RFM_PARTITIONS: String(PARTITIONS) });
    await stack.load(await stack.prepareTopics(), events);
    fleet = new Fleet(stack);
  });

  afterAll(async () => {
    await fleet?.stop();
    await local?.command('down');
    if (dir && process.env.RFM_FAULT_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it('refuses clients that are not configured for it', async () => {
    const env = stack.env;
    expect(env.REDIS_URL).toMatch(/^rediss:/);
    expect(env.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');

    // Kafka: no plain connection, and no TLS connection without the right password.
    const plain = new Kafka({
      brokers: stack.config.kafka.brokers as string[],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    await expect(connectAdmin(plain)).rejects.toThrow();
    const wrongPassword = new Kafka({
      brokers: stack.config.kafka.brokers as string[],
      ssl: { ca: [readFileSync(env.KAFKA_SSL_CA_FILE as string, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username: env.KAFKA_SASL_USERNAME as string, password: 'not-it' },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    await expect(connectAdmin(wrongPassword)).rejects.toThrow(/SASL|[Aa]uthentication/);

    // Redis: no plain connection, no default user, and the ACL user only on its namespace's keys.
    const options = redisOptions(stack.config);
    const noTls = new Redis({
      ...options,
      tls: undefined,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    noTls.on('error', () => undefined);
    await expect(noTls.connect().then(() => noTls.ping())).rejects.toThrow();
    noTls.disconnect();
    const anonymous = new Redis({
      ...options,
      username: undefined,
      password: undefined,
      enableReadyCheck: false,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    anonymous.on('error', () => undefined);
    await expect(anonymous.connect().then(() => anonymous.ping())).rejects.toThrow(/NOAUTH|WRONGPASS|NOPERM/);
    anonymous.disconnect();
    const user = new Redis({ ...options, maxRetriesPerRequest: 0 });
    try {
      expect(await user.ping()).toBe('PONG');
      await expect(user.flushall()).rejects.toThrow(/NOPERM/);
      await expect(user.get('someone-else:key')).rejects.toThrow(/NOPERM/);
      await expect(user.config('GET', 'requirepass')).rejects.toThrow(/NOPERM/);
    } finally {
      user.disconnect();
    }
  });

  it('runs the processor configured by the variables alone into the reference state', async () => {
    const started = Date.now();
    const processor = await fleet.start();
    await processor.finished(processingTimeoutMs());
    const seconds = (Date.now() - started) / 1000;
    await conclude(
      stack,
      null,
      {
        order: 7,
        fault: 'none, on the secure stack (Kafka SASL_SSL SCRAM-SHA-512, Redis TLS + ACL user)',
        runs: fleet.runs,
        recoverySeconds: [],
        seconds,
        notes: `${(events.length / seconds).toFixed(0)} events/s; configured by deploy/local/stack env only`,
      },
      events,
    );
    const lines = fleet.logs();
    expect(lines).toContain('processor running');
    expectNoSecrets(lines, local.secrets());
    expectNoCustomerIds(lines);
  });

  it('logs no secret when a password is wrong', async () => {
    const secrets = local.secrets();
    // Each wrong password is a secret too: an operator's typo is nearly the real one.
    const wrongRedis = `wrong-redis-${Date.now()}`;
    const redisFleet = new Fleet(stack, { REDIS_PASSWORD: wrongRedis, RFM_GROUP_ID: 'secure-wrong-redis' });
    const wrongKafka = `wrong-kafka-${Date.now()}`;
    const kafkaFleet = new Fleet(stack, {
      KAFKA_SASL_PASSWORD: wrongKafka,
      RFM_GROUP_ID: 'secure-wrong-kafka',
    });
    try {
      // A password that is wrong stays wrong: rfm run says so and exits, for its supervisor to see.
      const redisRun = await redisFleet.start('wrong-redis');
      expect(await redisRun.daemon.waitExit(180_000), 'exit status, Redis refusing').toBe(1);
      const kafkaRun = await kafkaFleet.start('wrong-kafka');
      expect(await kafkaRun.daemon.waitExit(180_000), 'exit status, Kafka refusing').toBe(1);
      const logs = `${redisFleet.logs()}\n${kafkaFleet.logs()}`;
      expect(redisRun.daemon.log()).toMatch(/WRONGPASS/);
      expect(kafkaRun.daemon.log()).toMatch(/SASL SCRAM SHA512 authentication failed/);
      expectNoSecrets(logs, [...secrets, wrongRedis, wrongKafka]);
      expect(logs.split('\n').filter((line) => CUSTOMER_ID_PATTERN.test(line))).toEqual([]);
      // Structured to the last line, the fatal one included.
      const lines = logs.split('\n').filter((line) => line.trim() !== '');
      expect(lines.filter((line) => !isJson(line)).slice(0, 3), 'log lines that are not JSON').toEqual([]);
      expect(lines.filter((line) => line.includes('processor could not start'))).toHaveLength(2);
    } finally {
      await redisFleet.stop();
      await kafkaFleet.stop();
    }
  });
});

async function connectAdmin(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

function expectNoSecrets(logs: string, secrets: string[]): void {
  const leaked = secrets.filter(
    (secret) => logs.includes(secret) || logs.includes(encodeURIComponent(secret)),
  );
  expect(leaked.length, 'secrets found in the logs').toBe(0);
}
