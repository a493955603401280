// Reads and writes customers' state in Redis: one pipeline per batch for the
// reads and one for the writes, whatever the batch size.
import type { ChainableCommander } from 'ioredis';
import type { ChurnRisk } from '../domain/churn.js';
import type { RfmScores } from '../domain/classify.js';
import { type CustomerState, emptyCustomer } from '../domain/customer.js';
import type { Segments } from '../domain/segments.js';
import { RfmError } from '../errors.js';
import type { Keys } from './keys.js';
import { queueScript, type RedisClient, WriteResult } from './scripts.js';
import { decodeState, encodeState } from './state-codec.js';

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

export interface CustomerWrite {
  customer: StoredCustomer;
  /** JSON entries for the outbox: changes to publish (OutputChange each). */
  outbox: string[];
}

export class CustomerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async readMany(customerIds: Iterable<string>): Promise<Map<string, StoredCustomer>> {
    const ids = [...new Set(customerIds)];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.customer(id).hash, 'v', 's', 'g', 'o', 't');
    const replies = await execOrThrow(pipeline);
    const customers = new Map<string, StoredCustomer>();
    ids.forEach((id, i) => {
      const [version, state, segments, offset, thresholdsVersion] = replies[i] as (string | null)[];
      const stored = segments
        ? (JSON.parse(segments) as { g: Segments; s: RfmScores | null; c?: ChurnRisk })
        : null;
      customers.set(id, {
        customerId: id,
        version: version ?? '',
        state: state ? decodeState(state) : emptyCustomer(),
        segments: stored?.g ?? null,
        scores: stored?.s ?? null,
        churn: stored?.c ?? null,
        lastOffset: offset === null || offset === undefined ? -1 : Number(offset),
        thresholdsVersion: thresholdsVersion ?? null,
      });
    });
    return customers;
  }

  queueWrite(pipeline: ChainableCommander, write: CustomerWrite): void {
    const { customer } = write;
    const keys = this.keys.customer(customer.customerId);
    queueScript(pipeline, 'writeCustomer', [
      keys.hash,
      keys.outbox,
      customer.version,
      encodeState(customer.state),
      JSON.stringify({ g: customer.segments, s: customer.scores, c: customer.churn }),
      customer.lastOffset,
      customer.thresholdsVersion ?? '',
      ...write.outbox,
    ]);
  }

  async readOutboxes(customerIds: string[]): Promise<Map<string, string[]>> {
    const pipeline = this.redis.pipeline();
    for (const id of customerIds) pipeline.lrange(this.keys.customer(id).outbox, 0, -1);
    const replies = await execOrThrow(pipeline);
    return new Map(customerIds.map((id, i) => [id, replies[i] as string[]]));
  }

  queueClearOutbox(pipeline: ChainableCommander, customerId: string, sent: number): void {
    // Only what was read and sent: entries appended meanwhile stay for the next flush.
    pipeline.ltrim(this.keys.customer(customerId).outbox, sent, -1);
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

export function assertWritten(replies: unknown[]): void {
  if (replies.some((r) => r === WriteResult.CONFLICT)) {
    throw new RfmError(
      'OWNER_CONFLICT',
      'a customer was written by another owner since it was read (partition moved?)',
    );
  }
}
