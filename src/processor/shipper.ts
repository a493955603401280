// Takes what the steps of a drain did out of the process, a part at a time and
// in order: first the changes they made (published), then their writes (sent
// to Redis and waited for), then the offsets of the records they applied
// (committed). A change is out before the state that made it is stored, so a
// crash in between makes it again, with the same id, from the state before; no
// outbox is needed. A part ships while the steps of the next are computed.
import type { OutputChange } from '../domain/changes.js';
import { RfmError } from '../errors.js';
import type { QueuedRecord } from './coordinator.js';
import type { Publisher, RedisTimer } from './partition-processor.js';
import type { HeldStep, StepWriter } from './step-writer.js';

export type OffsetCommitter = (offsets: { partition: number; offset: number }[]) => void | Promise<void>;

interface Part {
  changes: OutputChange[];
  steps: HeldStep[];
  /** The records the part applied, per partition, in offset order. */
  records: Map<number, QueuedRecord[]>;
  published: boolean;
}

export class Shipper {
  /** Parts sealed and not yet stored, oldest first. */
  private parts: Part[] = [];
  private shipping: Promise<void> = Promise.resolve();
  private changes: OutputChange[] = [];
  private records = new Map<number, QueuedRecord[]>();
  /** Offsets whose records are stored, not yet committed. */
  private offsets = new Map<number, number>();
  /**
   * The failure that stopped shipping, when it was a publish or a commit: the
   * parts wait, unchanged, for `resume`. A failed write is not one of these: it
   * leaves memory ahead of Redis.
   */
  stalledBy: unknown = null;

  constructor(
    private readonly writer: StepWriter,
    private readonly publish: Publisher,
    private readonly commit: OffsetCommitter | undefined,
    private readonly timed: RedisTimer,
  ) {}

  /** Changes made since the last part was sealed. */
  get pending(): number {
    return this.changes.length;
  }

  emit(changes: readonly OutputChange[]): void {
    for (const change of changes) this.changes.push(change);
  }

  /** Records of a partition the steps since the last part applied (or sent to the DLQ). */
  applied(partition: number, records: readonly QueuedRecord[]): void {
    const list = this.records.get(partition);
    if (list) for (const record of records) list.push(record);
    else this.records.set(partition, [...records]);
  }

  /** Resolves once every part sealed is published, stored and committed; rejects with what stopped it. */
  shipped(): Promise<void> {
    return this.shipping;
  }

  /** After a failed publish or commit: ships the parts that were waiting, in order, and commits. */
  resume(): void {
    this.stalledBy = null;
    let chain = Promise.resolve();
    for (const part of this.parts) chain = chain.then(() => this.shipPart(part));
    this.shipping = chain.then(() => this.commitOffsets());
    this.shipping.catch(() => undefined);
  }

  /**
   * Gives up every part not yet stored (once what was sent has landed or
   * failed): returns their records per partition, oldest first, to be applied
   * again from the state Redis holds. Offsets still to commit stay.
   */
  async abandon(): Promise<Map<number, QueuedRecord[]>> {
    await this.shipping.catch(() => undefined);
    await this.writer.discard();
    const records = new Map<number, QueuedRecord[]>();
    for (const part of [...this.parts, { records: this.records }]) {
      for (const [partition, list] of part.records) {
        const all = records.get(partition);
        if (all) for (const record of list) all.push(record);
        else records.set(partition, [...list]);
      }
    }
    this.parts = [];
    this.changes = [];
    this.records = new Map();
    this.stalledBy = null;
    this.shipping = Promise.resolve();
    return records;
  }

  /** Forgets the offsets of partitions no longer owned. */
  keepOffsetsOf(partitions: ReadonlySet<number>): void {
    for (const partition of [...this.offsets.keys()])
      if (!partitions.has(partition)) this.offsets.delete(partition);
  }

  /** Seals what the steps did since the last part into a part, shipped after the ones before. */
  seal(): void {
    const steps = this.writer.take();
    if (this.changes.length === 0 && steps.length === 0 && this.records.size === 0) return;
    const part: Part = { changes: this.changes, steps, records: this.records, published: false };
    this.changes = [];
    this.records = new Map();
    this.parts.push(part);
    this.shipping = this.shipping.then(() => this.shipPart(part));
    // Looked at by the next `ship` or `settle`: never left unhandled.
    this.shipping.catch(() => undefined);
  }

  private async shipPart(part: Part): Promise<void> {
    if (!part.published) {
      if (part.changes.length > 0) await this.stallOn(this.publish(part.changes));
      part.published = true;
    }
    try {
      await this.timed('write_customers', () => this.writer.write(part.steps));
    } catch (error) {
      if (error instanceof RfmError) throw error;
      throw new RfmError('REDIS_UNAVAILABLE', `a write to Redis failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.parts.shift();
    for (const [partition, list] of part.records)
      this.offsets.set(partition, (list[list.length - 1] as QueuedRecord).offset);
    await this.commitOffsets();
  }

  private async commitOffsets(): Promise<void> {
    if (this.offsets.size === 0 || !this.commit) return;
    const offsets = this.offsets;
    await this.stallOn(
      Promise.resolve(this.commit([...offsets].map(([partition, offset]) => ({ partition, offset })))),
    );
    // Only those not moved on meanwhile.
    for (const [partition, offset] of offsets)
      if (this.offsets.get(partition) === offset) this.offsets.delete(partition);
  }

  private async stallOn(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      this.stalledBy = error;
      throw error;
    }
  }
}
