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
  logFile: string;
}

const n = (value: number) => value.toLocaleString('en-US');

/**
 * The frame for a snapshot, one string per line, at most `width` characters
 * wide and `height` lines high: the lists of changes take the rows the tables
 * leave, and on a very small terminal the tables lose their last rows.
 */
export function renderDemo(s: DemoSnapshot, width = 100, height = 40): string[] {
  const head = [
    `rfm demo: CDNOW orders -> Kafka -> rfm-stream -> Redis (namespace ${s.namespace})`,
    `orders  ${n(s.processed)} of ${n(s.inTopic)} processed   ${n(s.ordersPerSecond)} orders/s   ` +
      `${n(s.changesPerSecond)} changes/s   ${n(s.changes)} changes in all`,
    `clock   ${s.report.asOf ?? '-'} (event time)   thresholds ${s.report.thresholdsVersion ?? '-'}   ` +
      `${n(s.report.customers)} customers, ${n(s.report.population)} bought in the window`,
    ...(s.importing ? [`import  ${s.importing}`] : []),
    '',
  ];
  const tables = [
    ...sideBySide([
      stacked(['rfm8', 'activity'], s.report),
      stacked(['rfm-scores'], s.report),
      stacked(['tier', 'lifecycle'], s.report),
    ]),
    '',
  ];
  const first =
    s.firstChangeAfter === null
      ? 'waiting for the first segment change'
      : `first segment change on screen ${s.firstChangeAfter.toFixed(1)} s after start`;
  const foot = [
    ...s.urls.map(({ name, url }) => `${name.padEnd(10)} ${url}`),
    `logs       ${s.logFile}`,
    `${first}   ${s.caughtUp ? 'caught up: every order processed   ' : ''}Ctrl-C stops`,
  ];
  const room = height - head.length - tables.length - foot.length - 3;
  const changeRows = Math.min(8, Math.max(2, Math.ceil((room * 2) / 3)));
  const riskRows = Math.min(5, Math.max(1, room - changeRows));
  const lists = [
    `latest segment changes (${s.topics.segmentChanges})`,
    ...padTo(s.recentChanges.map(formatChange), changeRows),
    `latest churn-risk events (${s.topics.churnRisk})`,
    ...padTo(s.recentRisks.map(formatRisk), riskRows),
    '',
  ];
  const over = head.length + tables.length + lists.length + foot.length - height;
  const shown = over > 0 ? tables.slice(0, Math.max(0, tables.length - over)) : tables;
  return [...head, ...shown, ...lists, ...foot].map((line) =>
    line.length > width ? line.slice(0, width) : line,
  );
}

/** Models one under the other, each a title row then a row per segment, the counts aligned. */
function stacked(models: ModelName[], report: PopulationReport): string[] {
  const entries = models.map((model) => Object.entries(report.segments[model]));
  const name = Math.max(...entries.flat().map(([segment]) => segment.length));
  const count = Math.max(6, ...entries.flat().map(([, v]) => n(v).length));
  return models.flatMap((model, i) => [
    ...(i > 0 ? [''] : []),
    model,
    ...(entries[i] ?? []).map(([segment, v]) => `${segment.padEnd(name)}  ${n(v).padStart(count)}`),
  ]);
}

function sideBySide(blocks: string[][]): string[] {
  const widths = blocks.map((b) => Math.max(...b.map((line) => line.length)));
  const height = Math.max(...blocks.map((b) => b.length));
  return Array.from({ length: height }, (_, row) =>
    blocks
      .map((b, i) => (b[row] ?? '').padEnd(widths[i] as number))
      .join('   ')
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
