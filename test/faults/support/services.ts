// Throwaway services for the fault suite, each on free loopback ports with its
// own data directory, so a scenario can kill and restart them for real without
// touching anyone else's: a Kafka broker (KRaft, the jars deploy/local/stack
// installs) and a Redis with AOF. (The secure set-up is deploy/local/stack's own,
// with RFM_STACK_SECURE=1: test/faults/secure.test.ts runs it.)
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

/** A redis-server with AOF (`appendfsync everysec`, as the stack runs it), on a port of its own. */
export class RedisServer {
  readonly daemon: Daemon;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.daemon = new Daemon('redis', join(dir, 'redis.log'));
  }

  static async create(dir: string): Promise<RedisServer> {
    return new RedisServer(dir, await freePort());
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
