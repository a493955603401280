// Runs one measured process (the raw consumer, `rfm run`, `rfm backfill`) and
// watches it from outside: when it joined its group (its log), when its group's
// committed offsets reached the end of the topic (the broker), its peak resident
// memory (/proc), and its Prometheus metrics when it serves them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Admin } from 'kafkajs';

/**
 * V8's memory limits of the processes measured, as deploy/docker/Dockerfile sets
 * NODE_OPTIONS for `rfm run` (a test keeps the two the same): a 128 MB old space
 * and 4 MB semi-spaces (Node's defaults let the heap grow to about twice the
 * live data and keep 32 MB of young generation).
 */
export const PROCESSOR_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=4';

/**
 * The rest of the image's environment that bears on memory, as the Dockerfile
 * sets it: glibc's malloc keeps two arenas, not eight per core, for the threads
 * of Node's pool and V8's platform (about 10 MB less RSS here).
 */
export const PROCESSOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

export interface MeasuredRun {
  /** When the process joined its consumer group (epoch ms). */
  joinedAt: number;
  /** When every record of the topic was processed: committed, or (raw consumer) handled. */
  doneAt: number;
  /** Records per second from joining to done. */
  rate: number;
  /** Peak resident set size, bytes (VmHWM). */
  peakRssBytes: number | null;
  /** The last /metrics text scraped, when the process serves one. */
  metrics: string | null;
  stdout: string;
}

export interface MeasureOptions {
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Records the topic holds: done when the group has committed them all. */
  records: number;
  /** The group whose committed offsets tell progress; absent: the process reports its own (raw consumer). */
  group?: { admin: Admin; groupId: string; topic: string };
  /** Port of the process's /metrics, scraped every second and when done. */
  metricsPort?: number;
  /** How long it may take before it is killed and the run fails. */
  timeoutMs: number;
  /** Called every poll while it runs, with the records it has processed so far. */
  onProgress?: (processed: number) => void;
}

export async function measureProcess(options: MeasureOptions): Promise<MeasuredRun> {
  const child = spawn(process.execPath, options.args, {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let joinedAt = 0;
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (joinedAt === 0 && line.includes('"partitions assigned"')) {
      const time = (JSON.parse(line) as { time?: string }).time;
      joinedAt = time ? Date.parse(time) : Date.now();
    }
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  let exitCode: number | null = null;
  exited.then((code) => {
    exitCode = code;
  });

  let peakRssBytes: number | null = null;
  let metrics: string | null = null;
  const sample = async () => {
    peakRssBytes = peakRss(child) ?? peakRssBytes;
    if (options.metricsPort) metrics = (await scrape(options.metricsPort)) ?? metrics;
  };
  const deadline = Date.now() + options.timeoutMs;
  let doneAt = 0;
  let lastScrape = 0;
  try {
    while (exitCode === null || (options.group && doneAt === 0)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms`);
      if (options.group && doneAt === 0) {
        const processed = await committed(options.group);
        options.onProgress?.(processed);
        if (processed >= options.records) {
          doneAt = Date.now();
          await sample();
        }
      }
      if (Date.now() - lastScrape >= 1000 && exitCode === null) {
        lastScrape = Date.now();
        await sample();
      }
      if (exitCode !== null && options.group && doneAt === 0) {
        throw new Error(`exited with ${exitCode} before processing every record`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await exited;
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `${options.args.join(' ')}: ${(error as Error).message}${outOfMemory(tail, options.env)}\n${tail.join('\n')}`,
    );
  }
  if (exitCode !== 0)
    throw new Error(
      `${options.args.join(' ')} exited with ${exitCode}${outOfMemory(tail, options.env)}\n${tail.join('\n')}`,
    );
  if (!options.group) {
    // The raw consumer reports its own times.
    const own = JSON.parse(stdout.trim().split('\n').pop() as string) as { joinedAt: number; lastAt: number };
    joinedAt = own.joinedAt;
    doneAt = own.lastAt;
  }
  if (joinedAt === 0) throw new Error(`${options.args.join(' ')} never logged joining its group`);
  return {
    joinedAt,
    doneAt,
    rate: options.records / Math.max(0.001, (doneAt - joinedAt) / 1000),
    peakRssBytes,
    metrics,
    stdout,
  };
}

function peakRss(child: ChildProcess): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

async function scrape(port: number): Promise<string | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

async function committed(group: { admin: Admin; groupId: string; topic: string }): Promise<number> {
  const offsets = await group.admin.fetchOffsets({ groupId: group.groupId, topics: [group.topic] });
  return (offsets[0]?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/** Samples of a Prometheus histogram, by `le`, summed over every other label. */
export function histogramBuckets(metrics: string, name: string): { le: number; count: number }[] {
  const counts = new Map<number, number>();
  const pattern = new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const match of metrics.matchAll(pattern)) {
    const le = /le="([^"]+)"/.exec(match[1] as string)?.[1] as string;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(match[2]));
  }
  return [...counts].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** A quantile of a cumulative histogram, interpolated within its bucket as Prometheus's histogram_quantile. */
export function histogramQuantile(q: number, buckets: { le: number; count: number }[]): number | null {
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** The sum of a counter or gauge's samples whose labels contain `labels`. */
export function metricSum(metrics: string, name: string, labels = ''): number {
  let sum = 0;
  const pattern = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  for (const match of metrics.matchAll(pattern)) {
    if ((match[1] ?? '').includes(labels)) sum += Number(match[2]);
  }
  return sum;
}

/** Says so when the process died of V8's heap limit (NODE_OPTIONS=--max-old-space-size, the bench's --processor-node-options). */
function outOfMemory(tail: string[], env: NodeJS.ProcessEnv | undefined): string {
  if (!tail.some((line) => line.includes('JavaScript heap out of memory'))) return '';
  const limit = /--max-old-space-size=(\d+)/.exec(env?.NODE_OPTIONS ?? '')?.[1];
  return `: out of memory, at V8's heap limit${limit ? ` of ${limit} MB (--processor-node-options)` : ''}`;
}
