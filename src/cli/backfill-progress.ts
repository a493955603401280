// The progress of a backfill on stderr: on a terminal one bar per input partition
// and one for all, each with its rate and ETA; elsewhere (CI, pipes) a log line
// every few seconds.
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Logger } from '../ops/logger.js';
import type { PartitionProgress } from '../stream/backfill.js';

export interface BackfillProgressView {
  update(progress: PartitionProgress[]): void;
  stop(): void;
}

/** Rates are measured over this much recent time, so the ETA follows the current pace. */
const RATE_WINDOW_MS = 10_000;

export function createBackfillProgress(options: {
  interactive: boolean;
  logger: Logger;
  now?: () => number;
}): BackfillProgressView {
  const now = options.now ?? Date.now;
  const rates = new Map<string, RateMeter>();
  const measure = (label: string, done: number, total: number) => {
    const meter = rates.get(label) ?? new RateMeter();
    rates.set(label, meter);
    const rate = meter.add(now(), done);
    return { rate, eta: formatEta(total - done, rate) };
  };
  return options.interactive ? barView(measure) : logView(measure, options.logger, now);
}

type Measure = (label: string, done: number, total: number) => { rate: number; eta: string };

function barView(measure: Measure): BackfillProgressView {
  const multibar = new MultiBar(
    {
      stream: process.stderr,
      format: '{label} {bar} {percentage}% | {value}/{total} | {rate}/s | ETA {eta}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
      barsize: 24,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  return {
    update(progress) {
      const rows = [...progress.map((p) => ({ label: `partition ${p.partition}`, ...counts(p) }))];
      rows.push({ label: 'all', ...sum(progress.map(counts)) });
      const width = Math.max(...rows.map((r) => r.label.length));
      for (const row of rows) {
        const label = row.label.padEnd(width);
        const payload = { label, ...measure(row.label, row.done, row.total) };
        const bar = bars.get(row.label);
        if (!bar) bars.set(row.label, multibar.create(row.total, row.done, payload));
        else {
          bar.setTotal(row.total);
          bar.update(row.done, payload);
        }
      }
    },
    stop() {
      multibar.stop();
    },
  };
}

function logView(measure: Measure, logger: Logger, now: () => number): BackfillProgressView {
  let lastLogged = Number.NEGATIVE_INFINITY;
  return {
    update(progress) {
      const all = sum(progress.map(counts));
      const { rate, eta } = measure('all', all.done, all.total);
      if (now() - lastLogged < 5_000) return;
      lastLogged = now();
      logger.info(
        {
          partitions: progress.map((p) => ({ partition: p.partition, ...counts(p) })),
          ...all,
          ratePerSecond: rate,
          eta,
        },
        `backfill ${all.done}/${all.total} records`,
      );
    },
    stop() {},
  };
}

function counts(p: PartitionProgress): { done: number; total: number } {
  return { done: p.position - p.origin, total: Math.max(p.end - p.origin, p.position - p.origin) };
}

function sum(rows: { done: number; total: number }[]): { done: number; total: number } {
  return rows.reduce((a, b) => ({ done: a.done + b.done, total: a.total + b.total }), { done: 0, total: 0 });
}

/** Records per second over the last RATE_WINDOW_MS of samples. */
class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];

  add(at: number, done: number): number {
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= RATE_WINDOW_MS) {
      this.samples.shift();
    }
    const first = this.samples[0] as { at: number; done: number };
    return at > first.at ? Math.round(((done - first.done) * 1000) / (at - first.at)) : 0;
  }
}

export function formatEta(remaining: number, rate: number): string {
  if (remaining <= 0) return 'done';
  if (rate <= 0) return '-';
  const seconds = Math.ceil(remaining / rate);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
