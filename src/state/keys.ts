// Redis key names. Every key of one customer carries the hash tag {customerId}
// and every key of one input partition the tag {<namespace>:<topic>:<partition>},
// so each script touches one hash slot and runs unchanged on Redis Cluster.

export interface PartitionKeys {
  /** HASH customer id -> its member record (src/state/member-record.ts). */
  members: string;
  /** HASH sums over P: n, lastPurchaseDay, f, m. */
  sums: string;
  clock: string;
  segmentCounts: string;
  cohorts: string;
  lapses: string;
  /**
   * HASH who owns the partition: the token of its owner's claim and when it was
   * assigned (src/state/scripts/claimPartition-1.lua). Not state: outside `:p:`.
   */
  owner: string;
}

export class Keys {
  constructor(readonly namespace: string) {}

  /** A customer's state: `<partition>:<last offset>|` and the binary state (src/state/state-codec.ts). */
  customer(customerId: string): string {
    return `${this.namespace}:c:{${customerId}}`;
  }

  partition(topic: string, partition: number): PartitionKeys {
    const tag = `{${this.namespace}:${topic}:${partition}}`;
    const base = `${this.namespace}:p:${tag}`;
    return {
      members: `${base}:members`,
      sums: `${base}:sums`,
      clock: `${base}:clock`,
      segmentCounts: `${base}:counts`,
      cohorts: `${base}:cohorts`,
      lapses: `${base}:lapses`,
      owner: `${this.namespace}:owner:${tag}`,
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
