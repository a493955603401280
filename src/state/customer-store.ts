// Reads and writes customers' state in Redis: a customer's own key holds its
// state and the last offset applied, its partition's `members` hash its segments,
// scores, churn risk and facts. Reads and writes go in one pipeline per call,
// whatever the number of customers.
import type { ChainableCommander } from 'ioredis';
import type { ChurnRisk } from '../domain/churn.js';
import type { RfmScores } from '../domain/classify.js';
import { type CustomerState, emptyCustomer } from '../domain/customer.js';
import type { Segments } from '../domain/segments.js';
import type { Keys } from './keys.js';
import { decodeMemberRecord } from './member-record.js';
import { batchOf } from './redis-batch.js';
import { queueScript, type RedisClient } from './scripts.js';
import { type CustomerRecord, decodeCustomerRecord } from './state-codec.js';

/** A customer as `rfm inspect` and the tests see it: its state and its evaluation. */
export interface StoredCustomer {
  customerId: string;
  /** '' for a customer never written. */
  version: string;
  state: CustomerState;
  segments: Segments | null;
  scores: RfmScores | null;
  churn: ChurnRisk | null;
  /** The last input offset applied (in the customer's partition), -1 for none. */
  lastOffset: number;
  thresholdsVersion: string | null;
}

export class CustomerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly topic: string,
  ) {}

  /** The stored records of customers, null for those never written. One round trip. */
  async readRecords(customerIds: readonly string[]): Promise<(CustomerRecord | null)[]> {
    const pipeline = batchOf(this.redis);
    for (const id of customerIds) pipeline.getBuffer(this.keys.customer(id));
    const replies = (await execOrThrow(pipeline)) as (Buffer | null)[];
    return replies.map((value) => (value ? decodeCustomerRecord(value) : null));
  }

  /**
   * Writes a customer's record if what is stored still starts with `expected`
   * ('' for none), and, given `owner` (a single Redis only: the keys live apart
   * on a Cluster), while the token is still the partition owner's.
   */
  queueWrite(
    pipeline: ChainableCommander,
    customerId: string,
    expected: string,
    value: Buffer,
    owner?: { key: string; token: string },
  ): void {
    if (owner)
      queueScript(pipeline, 'writeCustomerOwned', [
        this.keys.customer(customerId),
        owner.key,
        expected,
        value,
        owner.token,
      ]);
    else queueScript(pipeline, 'writeCustomer', [this.keys.customer(customerId), expected, value]);
  }

  /** Customers with their state and evaluation; one never written has an empty state and version ''. */
  async readMany(customerIds: Iterable<string>): Promise<Map<string, StoredCustomer>> {
    const ids = [...new Set(customerIds)];
    const records = await this.readRecords(ids);
    const pipeline = batchOf(this.redis);
    const asked: number[] = [];
    records.forEach((record, i) => {
      if (!record) return;
      asked.push(i);
      pipeline.hgetBuffer(this.keys.partition(this.topic, record.partition).members, ids[i] as string);
    });
    const members = asked.length > 0 ? ((await execOrThrow(pipeline)) as (Buffer | null)[]) : [];
    const memberOf = new Map(asked.map((i, k) => [i, members[k] ?? null]));
    const customers = new Map<string, StoredCustomer>();
    ids.forEach((id, i) => {
      const record = records[i];
      const member = memberOf.get(i);
      const evaluation = member ? decodeMemberRecord(member) : null;
      customers.set(id, {
        customerId: id,
        version: record?.version ?? '',
        state: record?.state ?? emptyCustomer(),
        segments: evaluation?.segments ?? null,
        scores: evaluation?.scores ?? null,
        churn: evaluation?.churn ?? null,
        lastOffset: record?.lastOffset ?? -1,
        thresholdsVersion: evaluation?.thresholdsVersion ?? null,
      });
    });
    return customers;
  }
}

/** Runs a pipeline and throws the first command error instead of returning it. */
export async function execOrThrow(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
