// The processor's Prometheus metrics, on a registry the caller passes in (so tests
// and embedders stay isolated from prom-client's global one). The processor
// records through this object; values that live elsewhere (Redis populations,
// partition clocks, health) are read through sources when Prometheus scrapes.
// No label ever holds a customer id: every label value comes from a closed set
// (models, segments, levels, reasons, operations) or is a topic, group or partition.
import { readFileSync } from 'node:fs';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { REJECT_REASONS } from '../domain/admission.js';
import type { OutputChange } from '../domain/changes.js';
import { CHURN_LEVELS } from '../domain/churn.js';
import { MODELS, SEGMENTS_OF } from '../domain/segments.js';
import { DAY_MS } from '../domain/time.js';
import { SCRIPTS_VERSION } from '../state/scripts.js';

/** Every reason a record goes to the DLQ: admission's, the codec's, and lateness. */
export const DLQ_REASONS = [...REJECT_REASONS, 'NOT_AVRO', 'UNKNOWN_SCHEMA', 'LATE'] as const;

/**
 * The Redis round trips of processing: reading the states a drain needs, waiting
 * for the writes of its steps (state, member records, counts, clock), looking
 * for a new value model.
 */
export const REDIS_OPERATIONS = [
  'read_customers',
  'write_customers',
  'read_value_model',
  'connection',
] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

export const INPUT_OUTCOMES = ['applied', 'dead_lettered'] as const;
export type InputOutcome = (typeof INPUT_OUTCOMES)[number];

export const OUTPUT_KINDS = ['segment_change', 'churn_risk', 'dead_letter'] as const;

/** The value a transition's `from` label takes for a customer's first segment in a model. */
export const NO_SEGMENT = 'NONE';

/** What the metrics read when scraped, from the parts that own it. */
export interface MetricSources {
  /** Customers per 'model:segment' and members of P, over the partitions this process owns. */
  population?: () => Promise<{ segments: Record<string, number>; population: number }>;
  /** Each owned partition's clock day (null before its first event). */
  clocks?: () => Map<number, number | null>;
}

export interface MetricsContext {
  topic: string;
  group: string;
  allowedLatenessDays: number;
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** How long a scrape waits for Redis before it shows the last population it read. */
const POPULATION_TIMEOUT_MS = 1_000;

export class Metrics {
  private sources: MetricSources = {};
  /** The largest event time applied per partition, for the event-time lag. */
  private readonly maxEventTime = new Map<number, number>();
  private readonly recordsIn: Counter<'topic' | 'outcome'>;
  private readonly recordsOut: Counter<'topic' | 'kind'>;
  private readonly deadLetters: Counter<'reason'>;
  private readonly transitions: Counter<'model' | 'from' | 'to'>;
  private readonly churnEvents: Counter<'level'>;
  private readonly rebalances: Counter<'group'>;
  private readonly processingErrors: Counter<'retriable'>;
  private readonly redisErrors: Counter<'operation'>;
  private readonly batchDuration: Histogram<'topic'>;
  private readonly batchSize: Histogram<'topic'>;
  private readonly redisDuration: Histogram<'operation'>;
  private readonly tickDuration: Histogram;
  private readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  private readonly assigned: Gauge<'group' | 'topic'>;
  private readonly ready: Gauge;
  private readonly dependencyUp: Gauge<'dependency'>;

  constructor(
    readonly registry: Registry,
    private readonly context: MetricsContext,
  ) {
    const registers = [registry];
    const { topic, group } = context;
    collectDefaultMetrics({ register: registry });
    new Gauge({
      name: 'rfm_build_info',
      help: 'Always 1; the labels say which build runs',
      labelNames: ['version', 'node_version', 'scripts_version'],
      registers,
    }).set({ version, node_version: process.version, scripts_version: String(SCRIPTS_VERSION) }, 1);

    this.recordsIn = new Counter({
      name: 'rfm_records_in_total',
      help: 'Input records by outcome: applied to the state, or sent to the DLQ',
      labelNames: ['topic', 'outcome'],
      registers,
    });
    for (const outcome of INPUT_OUTCOMES) this.recordsIn.inc({ topic, outcome }, 0);
    this.recordsOut = new Counter({
      name: 'rfm_records_out_total',
      help: 'Records produced, by kind: segment changes, churn-risk changes, dead letters',
      labelNames: ['topic', 'kind'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'rfm_dlq_records_total',
      help: 'Input records sent to the DLQ, by reason',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of DLQ_REASONS) this.deadLetters.inc({ reason }, 0);
    this.transitions = new Counter({
      name: 'rfm_segment_transitions_total',
      help: `Segment changes published, by model and from/to segment (from="${NO_SEGMENT}" on entry)`,
      labelNames: ['model', 'from', 'to'],
      registers,
    });
    this.churnEvents = new Counter({
      name: 'rfm_churn_risk_events_total',
      help: 'Churn-risk changes published, by new level',
      labelNames: ['level'],
      registers,
    });
    for (const level of CHURN_LEVELS) this.churnEvents.inc({ level }, 0);
    this.rebalances = new Counter({
      name: 'rfm_consumer_rebalances_total',
      help: 'Times the consumer joined its group and was given partitions',
      labelNames: ['group'],
      registers,
    });
    this.processingErrors = new Counter({
      name: 'rfm_processing_errors_total',
      help: 'Failed processing passes: retriable ones are tried again, the others stop the processor',
      labelNames: ['retriable'],
      registers,
    });
    for (const retriable of ['true', 'false']) this.processingErrors.inc({ retriable }, 0);
    this.redisErrors = new Counter({
      name: 'rfm_redis_errors_total',
      help: 'Failed Redis round trips by operation; operation="connection" counts connection errors',
      labelNames: ['operation'],
      registers,
    });
    for (const operation of REDIS_OPERATIONS) this.redisErrors.inc({ operation }, 0);

    this.batchDuration = new Histogram({
      name: 'rfm_batch_duration_seconds',
      help: 'Time to process one fetched batch: decode, admit, apply, publish, commit',
      labelNames: ['topic'],
      // Up to minutes: during a replay one batch may span many thresholds ticks.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'rfm_batch_size_records',
      help: 'Records in one fetched batch',
      labelNames: ['topic'],
      buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    });
    this.redisDuration = new Histogram({
      name: 'rfm_redis_duration_seconds',
      help: 'Redis round trips of processing by operation: a drain reads once and waits for its writes once',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.tickDuration = new Histogram({
      name: 'rfm_thresholds_tick_duration_seconds',
      help: 'Time to compute a thresholds version and re-evaluate the customers it moves',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });

    this.consumerLag = new Gauge({
      name: 'rfm_consumer_lag_records',
      help: "Records in an owned partition past the group's committed offset (kafka-lag-exporter's labels)",
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.assigned = new Gauge({
      name: 'rfm_assigned_partitions',
      help: 'Input partitions this process owns',
      labelNames: ['group', 'topic'],
      registers,
    });
    this.assigned.set({ group, topic }, 0);
    this.ready = new Gauge({
      name: 'rfm_ready',
      help: '1 when /readyz would answer 200: joined the group, Redis and Kafka reachable',
      registers,
    });
    this.ready.set(0);
    this.dependencyUp = new Gauge({
      name: 'rfm_dependency_up',
      help: '1 when the last probe of a dependency (redis, kafka) answered',
      labelNames: ['dependency'],
      registers,
    });

    const sources = () => this.sources;
    const maxEventTime = this.maxEventTime;
    new Gauge({
      name: 'rfm_event_time_lag_seconds',
      help: 'Wall clock minus the largest event time applied on the partition',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const [partition, time] of maxEventTime)
          this.set({ topic, partition: String(partition) }, (now - time) / 1000);
      },
    });
    const latenessMs = context.allowedLatenessDays * DAY_MS;
    new Gauge({
      name: 'rfm_watermark_timestamp_seconds',
      help: "The partition's watermark, Unix time: orders of days before it go to the DLQ as LATE",
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const [partition, day] of sources().clocks?.() ?? []) {
          if (day !== null)
            this.set({ topic, partition: String(partition) }, (day * DAY_MS - latenessMs) / 1000);
        }
      },
    });
    const segmentCustomers = new Gauge({
      name: 'rfm_segment_customers',
      help: 'Customers per model and segment, over the partitions this process owns',
      labelNames: ['model', 'segment'],
      registers,
    });
    new Gauge({
      name: 'rfm_population_customers',
      help: 'Members of the population P (a purchase in the window), over the partitions this process owns',
      registers,
      async collect() {
        const read = sources().population;
        if (!read) return;
        const counts = await withTimeout(read(), POPULATION_TIMEOUT_MS);
        // Redis not answering: keep showing the last population read.
        if (!counts) return;
        this.set(counts.population);
        for (const model of MODELS) {
          for (const segment of SEGMENTS_OF[model])
            segmentCustomers.set({ model, segment }, counts.segments[`${model}:${segment}`] ?? 0);
        }
      },
    });
  }

  /** Where the scrape-time values come from; called by the processor once its parts exist. */
  bind(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  batch(records: number, seconds: number): void {
    const labels = { topic: this.context.topic };
    this.batchSize.observe(labels, records);
    this.batchDuration.observe(labels, seconds);
  }

  /** Orders applied to the state on a partition, and the largest event time among them. */
  applied(partition: number, orders: number, maxEventTime: number | null): void {
    this.recordsIn.inc({ topic: this.context.topic, outcome: 'applied' }, orders);
    if (maxEventTime !== null && maxEventTime > (this.maxEventTime.get(partition) ?? -Infinity))
      this.maxEventTime.set(partition, maxEventTime);
  }

  deadLettered(reason: string, dlqTopic: string): void {
    this.recordsIn.inc({ topic: this.context.topic, outcome: 'dead_lettered' });
    this.recordsOut.inc({ topic: dlqTopic, kind: 'dead_letter' });
    this.deadLetters.inc({ reason });
  }

  published(changes: readonly OutputChange[], topics: { segmentChanges: string; churnRisk: string }): void {
    let segments = 0;
    let risks = 0;
    for (const output of changes) {
      if (output.kind === 'segment') {
        const { model, previousSegment, segment } = output.change;
        this.transitions.inc({ model, from: previousSegment ?? NO_SEGMENT, to: segment });
        segments += 1;
      } else {
        this.churnEvents.inc({ level: output.change.level });
        risks += 1;
      }
    }
    if (segments > 0) this.recordsOut.inc({ topic: topics.segmentChanges, kind: 'segment_change' }, segments);
    if (risks > 0) this.recordsOut.inc({ topic: topics.churnRisk, kind: 'churn_risk' }, risks);
  }

  tick(seconds: number): void {
    this.tickDuration.observe(seconds);
  }

  /** Times a Redis round trip of processing, and counts it as an error if it fails. */
  async timeRedis<T>(operation: RedisOperation, run: () => Promise<T>): Promise<T> {
    const end = this.redisDuration.startTimer({ operation });
    try {
      return await run();
    } catch (error) {
      this.redisErrors.inc({ operation });
      throw error;
    } finally {
      end();
    }
  }

  redisConnectionError(): void {
    this.redisErrors.inc({ operation: 'connection' });
  }

  processingError(retriable: boolean): void {
    this.processingErrors.inc({ retriable: String(retriable) });
  }

  /** A new assignment: forgets the partitions given up, so their series stop. */
  rebalanced(partitions: readonly number[]): void {
    const { group, topic } = this.context;
    this.rebalances.inc({ group });
    this.assigned.set({ group, topic }, partitions.length);
    this.consumerLag.reset();
    for (const partition of this.maxEventTime.keys())
      if (!partitions.includes(partition)) this.maxEventTime.delete(partition);
  }

  lag(partition: number, records: number): void {
    const { group, topic } = this.context;
    this.consumerLag.set({ group, topic, partition: String(partition) }, records);
  }

  health(state: { ready: boolean; redis: boolean; kafka: boolean }): void {
    this.ready.set(state.ready ? 1 : 0);
    this.dependencyUp.set({ dependency: 'redis' }, state.redis ? 1 : 0);
    this.dependencyUp.set({ dependency: 'kafka' }, state.kafka ? 1 : 0);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise.catch(() => null), timeout]).finally(() => clearTimeout(timer));
}
