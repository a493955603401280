// The benchmark's results: their JSON shape, the targets of issue 8 they are
// held to, and the table printed at the end.
import type { CapacityCase, CapacityInputs } from './capacity.js';

export interface BenchResult {
  command: string;
  /** Prefix of the run's topics, groups and namespaces. */
  runId: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; redis: string };
  options: Record<string, unknown>;
  produce?: {
    orders: number;
    customers: number;
    seconds: number;
    rate: number;
    maxOrdersPerCustomer: number;
  };
  raw?: { rate: number; seconds: number };
  processor?: {
    rate: number;
    seconds: number;
    ratioToRaw: number;
    batches: number;
    batchP50Ms: number | null;
    batchP99Ms: number | null;
    peakRssMb: number | null;
    /** From INFO commandstats deltas over the run: includes what scripts run, and other clients of a shared Redis. */
    redisCommandsPerEvent: number;
    /** Commands over the CPU seconds Redis used meanwhile: what one shard on one core serves. */
    redisCommandsPerCpuSecond: number;
    redisTopCommands: Record<string, number>;
    /** Pipelines and single commands the processor sent, per fetched batch. */
    redisRoundTripsPerBatch: number | null;
    changesOut: number;
    ticks: number;
    tickSeconds: number;
    /** The processor's CPU seconds (process_cpu_seconds_total) and V8 GC pause seconds by kind (nodejs_gc_duration_seconds). */
    cpuSeconds?: number;
    gcSeconds?: Record<string, number>;
  };
  /**
   * (a′) kafkajs publishing again (a sample of) the records (b) published, with
   * the processor's producer and nothing else: what the outputs alone allow.
   */
  publish?: {
    records: number;
    /** Output records per second. */
    rate: number;
    /** Outputs (b) published per order. */
    outputsPerEvent: number;
    /** rate / outputsPerEvent: no processor publishing these outputs goes faster. */
    ceilingEventsPerSecond: number;
    /** The ceiling over (a): the largest b/a these outputs allow. */
    ceilingRatioToRaw: number;
    /** (b) over the ceiling. */
    processorToCeiling: number;
  };
  memory?: {
    customers: number;
    totalMb: number;
    bytesPerCustomer: number;
    sharedBytesPerCustomer: number;
    customersUpTo10Orders: number;
    bytesPerCustomerUpTo10Orders: number;
  };
  backfill?: { rate: number; seconds: number; ratioToRaw: number; peakRssMb: number | null };
  /** The processor as a consumer group of N processes, each from empty state in a namespace of its own. */
  scale?: {
    processes: number;
    rate: number;
    seconds: number;
    /** This rate over the one-process rate of the same section. */
    ratioToOne: number;
    peakRssMb: (number | null)[];
  }[];
  history?: {
    orders: number;
    oneOrderRate: number;
    twoHundredOrdersRate: number;
    perEventTimeRatio: number;
    /** Peak RSS of the processor over the one-order workload: as many customers as orders. */
    oneOrderPeakRssMb: number | null;
  };
  latency?: {
    targetRate: number;
    achievedRate: number;
    orders: number;
    measured: number;
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
  };
  capacity?: { inputs: CapacityInputs; cases: CapacityCase[] };
  targets?: Target[];
  /** Why the run stopped before its end, when it did: what was measured before is kept. */
  failure?: string;
}

export interface Target {
  name: string;
  value: number | null;
  limit: string;
  met: boolean;
}

export function targetsOf(result: BenchResult): Target[] {
  const targets: Target[] = [];
  const add = (
    name: string,
    value: number | null | undefined,
    limit: string,
    met: (v: number) => boolean,
  ) => {
    if (value === undefined) return;
    targets.push({ name, value, limit, met: value !== null && met(value) });
  };
  add('processor / raw (b/a)', result.processor?.ratioToRaw, '>= 0.7', (v) => v >= 0.7);
  add(
    'Redis round trips per batch',
    result.processor?.redisRoundTripsPerBatch,
    '<= 20, whatever the batch holds (O(1))',
    (v) => v <= 20,
  );
  add(
    'Redis bytes per customer (<= 10 orders)',
    result.memory?.bytesPerCustomerUpTo10Orders,
    '<= 400',
    (v) => v <= 400,
  );
  if (result.history)
    add(
      `processor peak RSS at ${result.history.orders.toLocaleString('en-US')} customers, MB`,
      result.history.oneOrderPeakRssMb,
      '<= 300 at 1M customers',
      (v) => v <= 300,
    );
  add(
    'time per event, 200 vs 1 order per customer',
    result.history?.perEventTimeRatio,
    '<= 1.2',
    (v) => v <= 1.2,
  );
  add('produce-to-change p99 at 20% load, ms', result.latency?.p99Ms, '<= 250', (v) => v <= 250);
  return targets;
}

export function formatTable(result: BenchResult): string {
  const n = (v: number | null | undefined, digits = 0) =>
    v === null || v === undefined
      ? '-'
      : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rows: [string, string][] = [];
  const { produce, raw, processor, publish, backfill, scale, memory, history, latency, capacity } = result;
  rows.push([
    'machine',
    `${result.machine.cpus} x ${result.machine.cpuModel}, ${result.machine.memoryGb} GB, Node ${result.machine.node}, Redis ${result.machine.redis}`,
  ]);
  if (produce)
    rows.push([
      'workload',
      `${n(produce.orders)} orders, ${n(produce.customers)} customers (max ${n(produce.maxOrdersPerCustomer)} orders each), produced at ${n(produce.rate)}/s`,
    ]);
  if (result.failure) rows.push(['FAILED, the rest not measured', result.failure]);
  if (raw) rows.push(['(a) raw kafkajs consume', `${n(raw.rate)} events/s`]);
  if (processor) {
    rows.push(['(b) processor', `${n(processor.rate)} events/s, b/a ${n(processor.ratioToRaw, 3)}`]);
    rows.push([
      '    batch latency',
      `p50 ${n(processor.batchP50Ms, 1)} ms, p99 ${n(processor.batchP99Ms, 1)} ms over ${n(processor.batches)} batches`,
    ]);
    rows.push(['    peak RSS', `${n(processor.peakRssMb, 1)} MB`]);
    rows.push([
      '    Redis',
      `${n(processor.redisCommandsPerEvent, 2)} commands/event (commandstats), ${n(processor.redisRoundTripsPerBatch, 2)} round trips/batch, ${n(processor.redisCommandsPerCpuSecond)} commands per Redis CPU second`,
    ]);
    rows.push([
      '    outputs, ticks',
      `${n(processor.changesOut)} changes, ${n(processor.ticks)} ticks taking ${n(processor.tickSeconds, 1)} s`,
    ]);
    if (processor.cpuSeconds !== undefined && processor.gcSeconds) {
      const gc = Object.entries(processor.gcSeconds)
        .map(([kind, seconds]) => `${kind} ${n(seconds, 1)} s`)
        .join(', ');
      rows.push(['    CPU, GC', `${n(processor.cpuSeconds, 1)} CPU s; GC ${gc}`]);
    }
  }
  if (publish)
    rows.push([
      "(a′) raw kafkajs publish of (b)'s outputs",
      `${n(publish.rate)} records/s (${n(publish.records)} of them); at ${n(publish.outputsPerEvent, 2)} outputs/event a ceiling of ${n(publish.ceilingEventsPerSecond)} events/s: b/a at most ${n(publish.ceilingRatioToRaw, 3)}, b at ${n(publish.processorToCeiling, 2)} of it`,
    ]);
  if (backfill)
    rows.push([
      '(c) backfill',
      `${n(backfill.rate)} events/s, c/a ${n(backfill.ratioToRaw, 3)}, peak RSS ${n(backfill.peakRssMb, 1)} MB`,
    ]);
  for (const run of scale ?? [])
    rows.push([
      `(d) ${run.processes} process${run.processes === 1 ? '' : 'es'}`,
      `${n(run.rate)} events/s, ${n(run.ratioToOne, 2)} x one process; peak RSS ${run.peakRssMb.map((mb) => n(mb, 1)).join(' / ')} MB`,
    ]);
  if (memory)
    rows.push([
      'Redis memory',
      `${n(memory.bytesPerCustomer)} B/customer overall, ${n(memory.bytesPerCustomerUpTo10Orders)} B/customer with <= 10 orders (${n(memory.customersUpTo10Orders)} of ${n(memory.customers)})`,
    ]);
  if (history)
    rows.push([
      'history length',
      `${n(history.oneOrderRate)} events/s at 1 order/customer, ${n(history.twoHundredOrdersRate)} at 200: time ratio ${n(history.perEventTimeRatio, 2)}; peak RSS ${n(history.oneOrderPeakRssMb, 1)} MB with ${n(history.orders)} customers`,
    ]);
  if (latency)
    rows.push([
      'latency at 20% load',
      `${n(latency.achievedRate)} orders/s: p50 ${n(latency.p50Ms)} ms, p99 ${n(latency.p99Ms)} ms, max ${n(latency.maxMs)} ms (${n(latency.measured)} orders with a change)`,
    ]);
  for (const c of capacity?.cases ?? [])
    rows.push([
      `capacity ${n(c.customers / 1e6)}M customers, ${n(c.eventsPerSecond / 1000)}k ev/s`,
      `${n(c.processes)} processes, ${n(c.partitions)} partitions, ${n(c.redisShards)} Redis shards (bound by ${c.redisBoundBy}; ${n(c.redisMemoryGb, 1)} GB of state)`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (result.targets) {
    lines.push('', 'targets:');
    for (const t of result.targets)
      lines.push(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.name}: ${n(t.value, 2)} (${t.limit})`);
  }
  return lines.join('\n');
}
