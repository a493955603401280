// Throwaway services for the fault suite, each on free loopback ports with its
// own data directory, so a scenario can kill and restart them for real without
// touching anyone else's: a Kafka broker (KRaft, the jars deploy/local/stack
// installs, optionally SASL_SSL with SCRAM users) and a Redis with AOF
// (optionally TLS with an ACL user).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
/** Where deploy/local/stack installs the Kafka jars and Apicurio. */
export const stackDir = process.env.RFM_STACK_DIR ?? join(repo, 'deploy/local/.state');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** A child process of ours, in its own process group, its output appended to a log file. */
export class Daemon {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
    if (this.running) throw new Error(`${this.name} is running already`);
    const out = openSync(this.logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', out, out], env, detached: true });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Sends `signal` to the process and waits for it to exit; its exit code (null when killed). */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 60_000): Promise<number | null> {
    if (!this.running || this.child?.pid === undefined) return this.exited;
    process.kill(this.child.pid, signal);
    return this.waitExit(timeoutMs);
  }

  async waitExit(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }
}

export interface KafkaSecurity {
  /** PKCS12 keystore of the broker's certificate and its password. */
  keystore: string;
  keystorePassword: string;
  /** SCRAM-SHA-512 users created when the storage is formatted; the first is the broker's own. */
  users: { name: string; password: string }[];
}

/** One combined broker + controller (KRaft), as deploy/local/stack runs it, on ports of its own. */
export class KafkaBroker {
  readonly daemon: Daemon;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly security?: KafkaSecurity,
  ) {
    mkdirSync(dir, { recursive: true });
    this.daemon = new Daemon('kafka', join(dir, 'kafka.log'));
  }

  static async create(dir: string, security?: KafkaSecurity): Promise<KafkaBroker> {
    return new KafkaBroker(dir, await freePort(), await freePort(), security);
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private java(): string[] {
    const libs = join(stackDir, 'kafka/libs');
    if (!existsSync(libs)) throw new Error(`no Kafka jars in ${libs}: run deploy/local/stack install`);
    return [
      '-Xms384m',
      '-Xmx384m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:ActiveProcessorCount=2',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(repo, 'deploy/local/kafka/log4j.properties')}`,
      '-cp',
      `${libs}/*`,
    ];
  }

  private properties(): string {
    const template = readFileSync(join(repo, 'deploy/local/kafka/server.properties.template'), 'utf8')
      .replaceAll('@PORT@', String(this.port))
      .replaceAll('@CONTROLLER_PORT@', String(this.controllerPort))
      .replaceAll('@DATA_DIR@', join(this.dir, 'data'));
    const security = this.security;
    if (!security) return template;
    const broker = security.users[0];
    if (!broker) throw new Error('SASL needs at least the broker user');
    const listener = `SASL_SSL://127.0.0.1:${this.port}`;
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${broker.name}" password="${broker.password}";`;
    return `${template
      .replace(/^listeners=.*$/m, `listeners=${listener},CONTROLLER://127.0.0.1:${this.controllerPort}`)
      .replace(/^advertised\.listeners=.*$/m, `advertised.listeners=${listener}`)
      .replace(/^inter\.broker\.listener\.name=.*$/m, 'inter.broker.listener.name=SASL_SSL')
      .replace(
        /^listener\.security\.protocol\.map=.*$/m,
        'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
      )}
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas}
ssl.keystore.type=PKCS12
ssl.keystore.location=${security.keystore}
ssl.keystore.password=${security.keystorePassword}
ssl.client.auth=none
`;
  }

  /** Formats the storage on the first start; starts the broker and waits until it serves. */
  async start(timeoutMs = 120_000): Promise<void> {
    const conf = join(this.dir, 'server.properties');
    writeFileSync(conf, this.properties());
    if (!existsSync(join(this.dir, 'data/meta.properties'))) {
      const java = this.java();
      const { stdout } = await run('java', [...java, 'kafka.tools.StorageTool', 'random-uuid']);
      const clusterId = stdout.trim().split('\n').pop() as string;
      const scram = (this.security?.users ?? []).flatMap((u) => [
        '--add-scram',
        `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`,
      ]);
      await run('java', [
        ...java,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        conf,
        ...scram,
      ]);
    }
    const before = this.daemon.log().length;
    this.daemon.start('java', [...this.java(), 'kafka.Kafka', conf]);
    await waitFor(
      `kafka on ${this.port}`,
      async () => {
        if (!this.daemon.running) throw new Error(`kafka exited:\n${this.daemon.log().slice(-3000)}`);
        return (
          this.daemon.log().slice(before).includes('Kafka Server started') && (await portOpen(this.port))
        );
      },
      timeoutMs,
    );
  }

  stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    return this.daemon.kill(signal);
  }
}

export interface RedisTls {
  cert: string;
  key: string;
  ca: string;
}

export interface RedisAcl {
  username: string;
  password: string;
}

/** A redis-server with AOF (`appendfsync everysec`, as the stack runs it), on a port of its own. */
export class RedisServer {
  readonly daemon: Daemon;
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly tls?: RedisTls,
    private readonly acl?: RedisAcl,
  ) {
    mkdirSync(dir, { recursive: true });
    this.daemon = new Daemon('redis', join(dir, 'redis.log'));
  }

  static async create(dir: string, options: { tls?: RedisTls; acl?: RedisAcl } = {}): Promise<RedisServer> {
    return new RedisServer(dir, await freePort(), options.tls, options.acl);
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const ports = this.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          this.tls.cert,
          '--tls-key-file',
          this.tls.key,
          '--tls-ca-cert-file',
          this.tls.ca,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(this.port)];
    const users = this.acl
      ? [
          '--user',
          'default',
          'off',
          '--user',
          this.acl.username,
          'on',
          `>${this.acl.password}`,
          '~*',
          '&*',
          '+@all',
        ]
      : [];
    this.daemon.start('redis-server', [
      '--bind',
      '127.0.0.1',
      ...ports,
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      ...users,
    ]);
    // Ready once it has loaded its AOF and says so.
    await waitFor(
      `redis on ${this.port}`,
      () => {
        if (!this.daemon.running) throw new Error(`redis exited:\n${this.daemon.log().slice(-3000)}`);
        return /Ready to accept connections/.test(this.daemon.log().split('Server initialized').pop() ?? '');
      },
      timeoutMs,
    );
  }

  stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    return this.daemon.kill(signal);
  }
}
