// The population P across every partition of a topic, from the partitions'
// in-memory member indexes: the PopulationView thresholds are computed from.
import type { PopulationView } from '../domain/population.js';
import type { TierBoundary } from '../domain/thresholds.js';
import type { MemberIndex } from './member-index.js';
import { MergedBuckets, type PartMember } from './value-buckets.js';

type Dimension = 'lastPurchaseDay' | 'f' | 'm';

export class MemoryPopulation implements PopulationView {
  private readonly merged: Record<Dimension, MergedBuckets>;

  constructor(private readonly indexes: readonly MemberIndex[]) {
    this.merged = {
      lastPurchaseDay: new MergedBuckets(indexes.map((i) => i.byLastPurchaseDay)),
      f: new MergedBuckets(indexes.map((i) => i.byF)),
      m: new MergedBuckets(indexes.map((i) => i.byM)),
    };
  }

  async size(): Promise<number> {
    return this.merged.f.size;
  }

  async sums(): Promise<{ lastPurchaseDay: number; f: number; m: number }> {
    return { lastPurchaseDay: this.merged.lastPurchaseDay.sum, f: this.merged.f.sum, m: this.merged.m.sum };
  }

  async kthSmallest(dimension: Dimension, k: number): Promise<number> {
    return this.merged[dimension].kthSmallest(k);
  }

  async *byMonetaryDescending(): AsyncIterable<{ customerId: string; m: number }> {
    const members: { customerId: string; m: number }[] = [];
    this.merged.m.walkDescending(
      (a, b) => compareIds(this.idOf(a), this.idOf(b)),
      () => false,
      (member) => {
        members.push({ customerId: this.idOf(member), m: member.value });
        return true;
      },
    );
    yield* members;
  }

  /** The Pareto boundaries, sorting only the buckets of m they fall in. */
  async tierBoundaries(total: number): Promise<{ tierA: TierBoundary | null; tierB: TierBoundary | null }> {
    let tierA: TierBoundary | null = null;
    let tierB: TierBoundary | null = null;
    if (total <= 0) return { tierA, tierB };
    this.merged.m.walkDescending(
      (a, b) => compareIds(this.idOf(a), this.idOf(b)),
      // No member of a bucket can be a boundary while even the sum after it stays below the share.
      (before, sum) => (tierA ? 20 * (before + sum) < 19 * total : 5 * (before + sum) < 4 * total),
      (member, before) => {
        if (!tierA && 5 * before >= 4 * total) tierA = { m: member.value, customerId: this.idOf(member) };
        if (20 * before >= 19 * total) {
          tierB = { m: member.value, customerId: this.idOf(member) };
          return false;
        }
        return true;
      },
    );
    return { tierA, tierB };
  }

  /** The member's id, made once per member: a sort compares each several times. */
  private idOf(member: PartMember & { id?: string }): string {
    member.id ??= (this.indexes[member.part] as MemberIndex).idOf(member.slot);
    return member.id;
  }
}

/** JavaScript string order, as the reference ranks ties. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
