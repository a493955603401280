// Watches a run from outside, as operations would: the consumer group's committed
// offsets (progress) and each processor's /readyz, sampled a few times a second,
// so a scenario can say when processing paused, when it was reported, and how
// long it took to resume after the fault was lifted.
import type { Admin, Kafka } from 'kafkajs';
import type { ProcessorProcess } from './processor.js';
import { sleep } from './services.js';

interface Sample {
  at: number;
  /** Sum of the group's committed offsets; null when Kafka did not answer. */
  committed: number | null;
  /** Per processor name: whether /readyz answered 200. */
  ready: Record<string, boolean>;
}

export class Monitor {
  readonly samples: Sample[] = [];
  private admin: Admin | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly processors = new Set<ProcessorProcess>();

  constructor(
    private readonly kafka: () => Kafka,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.loop = (async () => {
      while (!this.stopped) {
        const at = Date.now();
        const [committed, ...ready] = await Promise.all([
          this.committed(),
          ...[...this.processors].map(async (p) => [p.name, p.running && (await p.ready())] as const),
        ]);
        this.samples.push({ at, committed, ready: Object.fromEntries(ready) });
        await sleep(Math.max(0, this.intervalMs - (Date.now() - at)));
      }
    })();
    return this;
  }

  watch(processor: ProcessorProcess): void {
    this.processors.add(processor);
  }

  unwatch(processor: ProcessorProcess): void {
    this.processors.delete(processor);
  }

  /** Sum of committed offsets now, or null when Kafka does not answer within 2 s. */
  async committed(): Promise<number | null> {
    try {
      this.admin ??= await this.connect();
      const offsets = await within(
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
        2_000,
      );
      return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } catch {
      const admin = this.admin;
      this.admin = null;
      admin?.disconnect().catch(() => undefined);
      return null;
    }
  }

  private async connect(): Promise<Admin> {
    const admin = this.kafka().admin({ retry: { retries: 0 } });
    await within(admin.connect(), 2_000);
    return admin;
  }

  /** The latest committed total seen. */
  get lastCommitted(): number {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const committed = this.samples[i]?.committed;
      if (committed !== null && committed !== undefined) return committed;
    }
    return 0;
  }

  /**
   * How long processing `total` may still take at the pace of the last few
   * seconds' commits, in ms; Infinity before any pace is seen.
   */
  timeLeft(total: number, windowMs = 3_000): number {
    const recent = this.samples.filter((s) => s.committed !== null && s.at >= Date.now() - windowMs);
    const first = recent[0];
    const last = recent[recent.length - 1];
    if (!first || !last || last.at === first.at) return Number.POSITIVE_INFINITY;
    const perMs = ((last.committed as number) - (first.committed as number)) / (last.at - first.at);
    return perMs > 0 ? (total - (last.committed as number)) / perMs : Number.POSITIVE_INFINITY;
  }

  /** Resolves once the committed total reaches `target`; `check` may throw to stop waiting. */
  async waitCommitted(target: number, timeoutMs: number, check: () => void = () => undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastCommitted < target) {
      check();
      if (Date.now() > deadline)
        throw new Error(`committed ${this.lastCommitted} of ${target} in ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** The first sample after `from` whose committed total exceeds `above`: when progress resumed. */
  progressedAfter(from: number, above: number): number | null {
    return this.samples.find((s) => s.at >= from && s.committed !== null && s.committed > above)?.at ?? null;
  }

  /** The committed totals sampled between two instants (Kafka answering). */
  committedBetween(from: number, to: number): number[] {
    return this.samples
      .filter((s) => s.at >= from && s.at <= to && s.committed !== null)
      .map((s) => s.committed as number);
  }

  /** The first instant after `from` at which `name`'s /readyz answered as `ready`. */
  readinessAfter(name: string, from: number, ready: boolean): number | null {
    return this.samples.find((s) => s.at >= from && s.ready[name] === ready)?.at ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.admin?.disconnect().catch(() => undefined);
  }
}

async function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
