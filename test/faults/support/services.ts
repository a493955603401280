// Throwaway services for the fault suite, each on free loopback ports with its
// own data directory, so a scenario can kill and restart them for real without
// touching anyone else's: a Kafka broker (KRaft, the jars deploy/local/stack
// installs) and a Redis with AOF, or a Redis Cluster of 3 such masters. (The
// secure set-up is deploy/local/stack's own, with RFM_STACK_SECURE=1:
// test/faults/secure.test.ts runs it.)
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

  /** The exit status of the last start, once it exited by itself; null while running or when killed. */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
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
        () =>
          reject(
            new Error(
              `${this.name} did not exit within ${timeoutMs} ms; its log ends:\n${this.log().slice(-3000)}`,
            ),
          ),
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

/** One combined broker + controller (KRaft), as deploy/local/stack runs it, on ports of its own. */
export class KafkaBroker {
  readonly daemon: Daemon;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.daemon = new Daemon('kafka', join(dir, 'kafka.log'));
  }

  static async create(dir: string): Promise<KafkaBroker> {
    return new KafkaBroker(dir, await freePort(), await freePort());
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
    return readFileSync(join(repo, 'deploy/local/kafka/server.properties.template'), 'utf8')
      .replaceAll('@PORT@', String(this.port))
      .replaceAll('@CONTROLLER_PORT@', String(this.controllerPort))
      .replaceAll('@DATA_DIR@', join(this.dir, 'data'));
  }

  /** Formats the storage on the first start; starts the broker and waits until it serves. */
  async start(timeoutMs = 120_000): Promise<void> {
    const conf = join(this.dir, 'server.properties');
    writeFileSync(conf, this.properties());
    if (!existsSync(join(this.dir, 'data/meta.properties'))) {
      const java = this.java();
      const { stdout } = await run('java', [...java, 'kafka.tools.StorageTool', 'random-uuid']);
      const clusterId = stdout.trim().split('\n').pop() as string;
      await run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', conf]);
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

/** A scenario's Redis: one server, or a Redis Cluster (RFM_FAULT_REDIS=cluster). */
export interface FaultRedis {
  /** REDIS_URL; a cluster's is one node's, with REDIS_CLUSTER=true. */
  readonly url: string;
  readonly cluster: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL of the server, or of the cluster's master that holds the most keys; says what it killed. */
  kill(): Promise<string>;
  /** Starts what `kill` killed again, from its AOF (and its nodes.conf), once it has loaded it. */
  restart(): Promise<void>;
}

/** A redis-server with AOF (`appendfsync everysec`, as the stack runs it), on a port of its own. */
export class RedisServer implements FaultRedis {
  readonly cluster = false;
  readonly daemon: Daemon;
  private constructor(
    readonly dir: string,
    readonly port: number,
    /** More redis-server options, e.g. those of a cluster node. */
    private readonly extra: string[] = [],
  ) {
    mkdirSync(dir, { recursive: true });
    this.daemon = new Daemon('redis', join(dir, 'redis.log'));
  }

  static async create(dir: string): Promise<RedisServer> {
    return new RedisServer(dir, await freePort());
  }

  /** A node of a Redis Cluster: its nodes.conf in `dir` beside its AOF, so a restart finds its place. */
  static clusterNode(dir: string, port: number): RedisServer {
    return new RedisServer(dir, port, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '5000',
    ]);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.daemon.start('redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(this.port),
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
      ...this.extra,
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

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.daemon.kill(signal);
  }

  async kill(): Promise<string> {
    await this.stop('SIGKILL');
    return `Redis on ${this.port}`;
  }

  restart(): Promise<void> {
    return this.start();
  }

  /** What `redis-cli` answers to `args` on this server. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...args]);
    return stdout.trim();
  }
}

/**
 * A Redis Cluster of 3 masters without replicas (RFM_FAULT_REDIS=cluster), each
 * node a RedisServer with AOF and its own nodes.conf, on free loopback ports
 * whose cluster bus ports (port + 10000) are free too.
 */
export class RedisCluster implements FaultRedis {
  readonly cluster = true;
  private killed: RedisServer | null = null;

  private constructor(readonly nodes: readonly RedisServer[]) {}

  static async create(dir: string, size = 3): Promise<RedisCluster> {
    const ports: number[] = [];
    while (ports.length < size) {
      const port = await freePort();
      if (port + 10_000 > 65_535 || ports.includes(port) || ports.includes(port + 10_000)) continue;
      if (ports.some((p) => p + 10_000 === port) || !(await portFree(port + 10_000))) continue;
      ports.push(port);
    }
    return new RedisCluster(ports.map((port, i) => RedisServer.clusterNode(join(dir, `node${i + 1}`), port)));
  }

  /** The first node's: the processor's seed, as REDIS_URL with REDIS_CLUSTER=true. */
  get url(): string {
    return (this.nodes[0] as RedisServer).url;
  }

  /** Starts the nodes; the first time, assigns the slots; waits until every node says the cluster is ok. */
  async start(timeoutMs = 120_000): Promise<void> {
    await Promise.all(this.nodes.filter((n) => !n.daemon.running).map((n) => n.start(timeoutMs)));
    const first = this.nodes[0] as RedisServer;
    if (!/cluster_slots_assigned:16384/.test(await first.cli('cluster', 'info'))) {
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...this.nodes.map((n) => `127.0.0.1:${n.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { maxBuffer: 16 << 20 },
      );
    }
    await this.waitOk(timeoutMs);
  }

  /** Every node says cluster_state:ok. */
  async ok(): Promise<boolean> {
    const states = await Promise.all(
      this.nodes.map((n) => (n.daemon.running ? n.cli('cluster', 'info').catch(() => '') : '')),
    );
    return states.every((info) => /cluster_state:ok/.test(info));
  }

  waitOk(timeoutMs = 120_000): Promise<void> {
    return waitFor('the Redis Cluster ok', () => this.ok(), timeoutMs);
  }

  /** The node holding the most keys (the first of those, on a tie). */
  async fullest(): Promise<{ node: RedisServer; keys: number }> {
    let fullest = { node: this.nodes[0] as RedisServer, keys: -1 };
    for (const node of this.nodes) {
      const keys = Number(await node.cli('dbsize'));
      if (keys > fullest.keys) fullest = { node, keys };
    }
    return fullest;
  }

  async kill(): Promise<string> {
    const { node, keys } = await this.fullest();
    await node.stop('SIGKILL');
    this.killed = node;
    const seed = node === this.nodes[0] ? ", the processor's seed node" : '';
    return `the master on ${node.port} (${keys} keys, the most of ${this.nodes.length}${seed})`;
  }

  async restart(): Promise<void> {
    if (!this.killed) throw new Error('no node of the cluster was killed');
    await this.killed.start();
    this.killed = null;
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(signal)));
  }
}

/** Whether a server could listen on `port` of the loopback address now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
