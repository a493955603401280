// `rfm run` as a child process, the way it is deployed: the built CLI
// (`node bin/rfm.js run`), configured by environment variables only, its JSON
// logs kept in a file, its /readyz polled, killed with real signals.
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, freePort, waitFor } from './services.js';

const cli = fileURLToPath(new URL('../../../bin/rfm.js', import.meta.url));

/** Variables of the suite's own process that must not leak into a processor's configuration. */
const CONFIG_VARIABLE = /^(KAFKA_|REDIS_|SCHEMA_REGISTRY_|RFM_)/;

export class ProcessorProcess {
  readonly daemon: Daemon;
  /** When it was last started (epoch ms). */
  startedAt = 0;

  private constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    readonly httpPort: number,
    logDir: string,
  ) {
    this.daemon = new Daemon(name, join(logDir, `${name}.log`));
  }

  /** A processor configured by `env` (on top of nothing but PATH and the like), with a free HTTP port. */
  static async create(name: string, env: Record<string, string>, logDir: string): Promise<ProcessorProcess> {
    return new ProcessorProcess(name, env, await freePort(), logDir);
  }

  /** `rfm run --exit-when-idle`: it exits 0 once everything the topic holds is processed. */
  start(): void {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_VARIABLE.test(k)));
    this.startedAt = Date.now();
    this.daemon.start(process.execPath, [cli, 'run', '--exit-when-idle'], {
      ...base,
      RFM_LOG_LEVEL: 'info',
      ...this.env,
      RFM_HTTP_PORT: String(this.httpPort),
    });
  }

  get running(): boolean {
    return this.daemon.running;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs?: number): Promise<number | null> {
    return this.daemon.kill(signal, timeoutMs);
  }

  /** Waits for it to exit by itself; fails with the end of its log unless it exits 0. */
  async finished(timeoutMs: number): Promise<void> {
    const code = await this.daemon.waitExit(timeoutMs);
    if (code !== 0) throw new Error(`${this.name} exited with ${code}:\n${this.daemon.log().slice(-4000)}`);
  }

  /** /readyz: true when it answers 200, false for any other answer or none. */
  ready(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: this.httpPort, path: '/readyz', timeout: 2_000 },
        (response) => {
          response.resume();
          resolve(response.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
  }

  waitReady(timeoutMs = 120_000): Promise<void> {
    return waitFor(`${this.name} ready`, () => this.ready(), timeoutMs);
  }

  /** Its log lines, parsed (JSON lines on stderr). */
  logLines(): Record<string, unknown>[] {
    return this.daemon
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
