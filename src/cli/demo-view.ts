// The live terminal view of `rfm demo`: a frame of text drawn from a snapshot
// (segment populations per model, the latest segment changes and churn-risk
// events, the rates), and a screen that redraws it in place with ANSI codes.
import type { ChurnRiskChange, SegmentChange } from '../domain/changes.js';
import type { ModelName } from '../domain/segments.js';
import { dayOf, isoDay } from '../domain/time.js';
import type { PopulationReport } from '../state/views.js';
import type { ServiceUrl } from './service-urls.js';

export interface DemoSnapshot {
  /** Records the orders topic holds. */
  inTopic: number;
  /** Records the processor has read. */
  processed: number;
  ordersPerSecond: number;
  changesPerSecond: number;
  /** Every change published so far, segment and churn risk. */
  changes: number;
  report: PopulationReport;
  /** Newest first. */
  recentChanges: SegmentChange[];
  recentRisks: ChurnRiskChange[];
  /** Seconds from the start of `npm run demo` to the first segment change drawn. */
  firstChangeAfter: number | null;
  /** What the import is doing, when there is one. */
  importing: string | null;
  caughtUp: boolean;
  topics: { segmentChanges: string; churnRisk: string };
  urls: ServiceUrl[];
  namespace: string;
}

const n = (value: number) => value.toLocaleString('en-US');

/** The frame for a snapshot, one string per line, each at most `width` characters. */
export function renderDemo(s: DemoSnapshot, width = 100): string[] {
  const lines = [
    `rfm demo: CDNOW orders -> Kafka -> rfm-stream -> Redis (namespace ${s.namespace})`,
    `orders  ${n(s.processed)} of ${n(s.inTopic)} processed   ${n(s.ordersPerSecond)} orders/s   ` +
      `${n(s.changesPerSecond)} changes/s   ${n(s.changes)} changes in all`,
    `clock   ${s.report.asOf ?? '-'} (event time)   thresholds ${s.report.thresholdsVersion ?? '-'}   ` +
      `${n(s.report.customers)} customers, ${n(s.report.population)} bought in the last 365 days`,
  ];
  if (s.importing) lines.push(`import  ${s.importing}`);
  lines.push('', ...columns(['rfm8', 'rfm-scores', 'tier'], s.report), '');
  lines.push(...columns(['lifecycle', 'activity'], s.report), '');
  lines.push(`latest segment changes (${s.topics.segmentChanges})`);
  lines.push(...padTo(s.recentChanges.map(formatChange), 6));
  lines.push(`latest churn-risk events (${s.topics.churnRisk})`);
  lines.push(...padTo(s.recentRisks.map(formatRisk), 4), '');
  for (const { name, url } of s.urls) lines.push(`${name.padEnd(10)} ${url}`);
  const first =
    s.firstChangeAfter === null
      ? 'waiting for the first segment change'
      : `first segment change on screen ${s.firstChangeAfter.toFixed(1)} s after start`;
  lines.push(`${first}   ${s.caughtUp ? 'caught up: every order processed   ' : ''}Ctrl-C stops`);
  return lines.map((line) => (line.length > width ? line.slice(0, width) : line));
}

function columns(models: ModelName[], report: PopulationReport): string[] {
  const blocks = models.map((model) => {
    const entries = Object.entries(report.segments[model]);
    const name = Math.max(model.length, ...entries.map(([segment]) => segment.length));
    const count = Math.max(...entries.map(([, v]) => n(v).length));
    return [
      model.padEnd(name + 2 + count),
      ...entries.map(([segment, v]) => `${segment.padEnd(name)}  ${n(v).padStart(count)}`),
    ];
  });
  const height = Math.max(...blocks.map((b) => b.length));
  return Array.from({ length: height }, (_, row) =>
    blocks
      .map((b) => (b[row] ?? '').padEnd((b[0] as string).length))
      .join('    ')
      .trimEnd(),
  );
}

function formatChange(c: SegmentChange): string {
  return `  ${isoDay(dayOf(c.eventTime))}  ${c.customerId.padEnd(8)} ${c.model.padEnd(10)} ${(
    c.previousSegment ?? '(new)'
  ).padEnd(18)} -> ${c.segment.padEnd(18)} ${c.cause}`;
}

function formatRisk(r: ChurnRiskChange): string {
  const reasons = r.reasons.length > 0 ? r.reasons.join(', ') : '-';
  return `  ${isoDay(dayOf(r.eventTime))}  ${r.customerId.padEnd(8)} ${(r.previousLevel ?? 'NONE').padEnd(6)} -> ${r.level.padEnd(6)} ${reasons}`;
}

function padTo(lines: string[], count: number): string[] {
  return [...lines.slice(0, count), ...Array.from({ length: Math.max(0, count - lines.length) }, () => '')];
}

/** Draws frames in place on a terminal: the alternate screen while it runs, the last frame left behind. */
export class Screen {
  private last: string[] = [];

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  open(): void {
    this.out.write('\x1b[?1049h\x1b[?25l');
  }

  draw(lines: string[]): void {
    this.last = lines;
    this.out.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
  }

  /** Back to the normal screen, with the last frame printed there so it stays in the scrollback. */
  close(): void {
    this.out.write('\x1b[?25h\x1b[?1049l');
    if (this.last.length > 0) this.out.write(`${this.last.join('\n')}\n`);
  }
}
