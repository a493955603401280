// Progress of a long import: a bar with rate and ETA on a terminal, and a log
// line every few seconds elsewhere (CI, pipes), where a bar would be noise.
import { Presets, SingleBar } from 'cli-progress';
import type { Logger } from '../ops/logger.js';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** What is counted, e.g. 'events'. */
  unit: string;
  /** Draw a bar on stdout; otherwise log through `logger`. */
  interactive: boolean;
  logger: Logger;
  /** Between log lines when not interactive. */
  intervalMs?: number;
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  return options.interactive ? barProgress(options) : logProgress(options);
}

function barProgress({ total, unit, now = Date.now }: ProgressOptions): Progress {
  const started = now();
  const bar = new SingleBar(
    {
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stdout,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { rate: 0 });
  return {
    update(done) {
      bar.update(done, { rate: ratePerSecond(done, now() - started) });
    },
    stop() {
      bar.stop();
    },
  };
}

function logProgress({ total, unit, logger, intervalMs = 2_000, now = Date.now }: ProgressOptions): Progress {
  const started = now();
  let lastLogged = started;
  return {
    update(done) {
      const time = now();
      if (time - lastLogged < intervalMs || done >= total) return;
      lastLogged = time;
      const rate = ratePerSecond(done, time - started);
      logger.info(
        {
          done,
          total,
          unit,
          ratePerSecond: rate,
          etaSeconds: rate > 0 ? Math.ceil((total - done) / rate) : null,
        },
        `${done}/${total} ${unit} (${Math.floor((100 * done) / total)}%)`,
      );
    },
    stop() {},
  };
}

export function ratePerSecond(done: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
}
