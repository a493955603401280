// Redis key names. Every key of one customer carries the hash tag {customerId}
// and every key of one input partition the tag {<namespace>:<topic>:<partition>},
// so each script touches one hash slot and runs unchanged on Redis Cluster.

export interface CustomerKeys {
  hash: string;
  outbox: string;
}

export interface PartitionKeys {
  lastPurchaseDay: string;
  f: string;
  m: string;
  sums: string;
  due: string;
  pending: string;
  clock: string;
  segmentsOf: string;
  segmentCounts: string;
  cohorts: string;
  lapses: string;
}

export class Keys {
  constructor(readonly namespace: string) {}

  customer(customerId: string): CustomerKeys {
    const base = `${this.namespace}:c:{${customerId}}`;
    return { hash: base, outbox: `${base}:outbox` };
  }

  partition(topic: string, partition: number): PartitionKeys {
    const base = `${this.namespace}:p:{${this.namespace}:${topic}:${partition}}`;
    return {
      lastPurchaseDay: `${base}:last`,
      f: `${base}:f`,
      m: `${base}:m`,
      sums: `${base}:sums`,
      due: `${base}:due`,
      pending: `${base}:pending`,
      clock: `${base}:clock`,
      segmentsOf: `${base}:segments`,
      segmentCounts: `${base}:counts`,
      cohorts: `${base}:cohorts`,
      lapses: `${base}:lapses`,
    };
  }

  /** Thresholds versions of one input topic, by version id. */
  thresholds(topic: string): string {
    return `${this.namespace}:thresholds:{${this.namespace}:${topic}}`;
  }

  /**
   * Where the processes of a consumer group meet before each thresholds tick of
   * one input topic: per partition, the tick day its owner has prepared for
   * (src/state/tick-barrier.ts).
   */
  tickBarrier(topic: string): string {
    return `${this.namespace}:barrier:{${this.namespace}:${topic}}`;
  }

  /** Fitted value models of one input topic, by version id. */
  valueModels(topic: string): string {
    return `${this.namespace}:value-models:{${this.namespace}:${topic}}`;
  }

  /**
   * Which namespace holds the live state of the processor configured with this
   * namespace, and a promotion waiting to happen (src/state/live-pointer.ts).
   */
  live(): string {
    return `${this.namespace}:live`;
  }

  /** The consumer group of the live processor that writes this namespace, while it does. */
  writer(): string {
    return `${this.namespace}:writer`;
  }

  /** What a backfill into this namespace reads, and from where (src/state/backfill-record.ts). */
  backfill(): string {
    return `${this.namespace}:backfill`;
  }

  /** A pattern matching every key of the namespace, for dumps and cleanup. */
  pattern(): string {
    return `${this.namespace}:*`;
  }
}

/** Hash tags split on braces: ids containing them would spread a customer over slots. */
export function isTaggableId(id: string): boolean {
  return !id.includes('{') && !id.includes('}');
}
