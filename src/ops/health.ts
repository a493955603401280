// Whether the processor is alive and ready, as /healthz and /readyz and the
// rfm_ready metric report it. Alive: it has not failed for good. Ready: its
// consumer is in its group with partitions, and Redis and Kafka answered the
// last probe.
import type { Metrics } from './metrics.js';

export type Dependency = 'redis' | 'kafka';

export interface LiveState {
  ok: boolean;
  /** Why the process is not alive: the error that stopped processing. */
  error?: string;
}

export interface ReadyState {
  ok: boolean;
  joined: boolean;
  redis: boolean;
  kafka: boolean;
  stopping: boolean;
}

export type Probes = Record<Dependency, () => Promise<unknown>>;

export class Health {
  private joinedGroup = false;
  private stoppingNow = false;
  private failure: Error | null = null;
  private readonly up: Record<Dependency, boolean> = { redis: false, kafka: false };
  private onFailure: (error: Error) => void = () => undefined;
  /** Resolves with the error that stopped processing for good; `rfm run` exits non-zero on it. */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.onFailure = resolve;
  });

  constructor(private readonly metrics?: Metrics) {
    this.publish();
  }

  joined(joined: boolean): void {
    this.joinedGroup = joined;
    this.publish();
  }

  /** Processing cannot go on: /healthz fails from now on. The first failure is the one kept. */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    this.publish();
    this.onFailure(this.failure);
  }

  /** Shutting down: not ready any more, still alive. */
  stopping(): void {
    this.stoppingNow = true;
    this.publish();
  }

  dependency(name: Dependency, up: boolean): void {
    if (this.up[name] === up) return;
    this.up[name] = up;
    this.publish();
  }

  live(): LiveState {
    return this.failure ? { ok: false, error: this.failure.message } : { ok: true };
  }

  ready(): ReadyState {
    const { redis, kafka } = this.up;
    const ok = this.joinedGroup && redis && kafka && !this.stoppingNow && !this.failure;
    return { ok, joined: this.joinedGroup, redis, kafka, stopping: this.stoppingNow };
  }

  /**
   * Probes each dependency every `intervalMs`, counting one that does not answer
   * within `timeoutMs` as down. Returns the function that stops probing.
   */
  startProbes(probes: Probes, intervalMs = 5_000, timeoutMs = 2_000): () => void {
    const probeAll = () => {
      for (const [name, probe] of Object.entries(probes) as [Dependency, () => Promise<unknown>][]) {
        answersWithin(probe, timeoutMs).then((up) => this.dependency(name, up));
      }
    };
    probeAll();
    const timer = setInterval(probeAll, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private publish(): void {
    const { redis, kafka, ok } = this.ready();
    this.metrics?.health({ ready: ok, redis, kafka });
  }
}

async function answersWithin(probe: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const answered = probe().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
