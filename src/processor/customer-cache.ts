// The full states of the customers the processor works on: read from Redis a
// batch at a time (one pipeline for the customers of many steps), held for the
// part that uses them (until it is stored), and the most recently used kept
// after it up to a bound, so a customer who orders often is decoded once, not at
// every order. The bound is in weight, not customers: a state's memory grows with
// its day buckets, and a customer with 200 purchase days in the window holds a
// hundred times the memory of one with one. The coordinator ends a part when what
// it holds passes its own bound (`heldWeight`).
import { type CustomerState, emptyCustomer } from '../domain/customer.js';
import type { CustomerStore } from '../state/customer-store.js';

/**
 * What a customer's full state weighs in memory, in day buckets: one for the
 * state itself, one for each day bucket kept (about 150 bytes each).
 */
export function stateWeight(dayBuckets: number): number {
  return 1 + dayBuckets;
}

export interface LoadedCustomer {
  customerId: string;
  /** The record prefix stored in Redis, which the next write expects; '' for a customer never written. */
  version: string;
  lastOffset: number;
  state: CustomerState;
}

export class CustomerCache {
  /**
   * Every customer in memory, least recently used first (a Map keeps insertion
   * order): taking one moves it to the end.
   */
  private readonly recent = new Map<string, LoadedCustomer>();
  /** Those held for the part in progress, whatever the bound: at the end of `recent`, in the order taken. */
  private readonly held = new Set<string>();
  /** The weight of those held, as it was when each was taken. */
  private weightHeld = 0;
  /** Round trips to Redis for reads, for the metrics. */
  reads = 0;

  constructor(
    private readonly store: CustomerStore,
    /** The weight (`stateWeight`) kept after a part, at most. */
    private readonly capacity: number,
    private readonly timeRead: <T>(run: () => Promise<T>) => Promise<T> = (run) => run(),
  ) {}

  /** A customer `load` made available; throws for one it did not. */
  get(customerId: string): LoadedCustomer {
    const customer = this.held.has(customerId) ? this.recent.get(customerId) : this.take(customerId);
    if (!customer) throw new Error(`customer ${customerId} was not loaded`);
    return customer;
  }

  private take(customerId: string): LoadedCustomer | undefined {
    const customer = this.recent.get(customerId);
    if (customer) {
      this.recent.delete(customerId);
      this.recent.set(customerId, customer);
      this.hold(customer);
    }
    return customer;
  }

  private hold(customer: LoadedCustomer): void {
    this.held.add(customer.customerId);
    this.weightHeld += stateWeight(customer.state.buckets.length);
  }

  /** Whether the part in progress holds the customer: `get` needs no `load` for it. */
  holds(customerId: string): boolean {
    return this.held.has(customerId);
  }

  /** The weight of the states the part in progress holds, which no bound drops before `release`. */
  get heldWeight(): number {
    return this.weightHeld;
  }

  /** Makes the customers available to `get` until `release`, reading those not in memory in one round trip. */
  async load(customerIds: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const id of customerIds) {
      if (this.held.has(id) || this.take(id)) continue;
      missing.push(id);
    }
    if (missing.length === 0) return;
    const unique = [...new Set(missing)];
    this.reads += 1;
    const records = await this.timeRead(() => this.store.readRecords(unique));
    unique.forEach((id, i) => {
      const record = records[i];
      // Read meanwhile by a load before this one finished: that one is as new.
      if (this.held.has(id)) return;
      const customer: LoadedCustomer = {
        customerId: id,
        version: record?.version ?? '',
        lastOffset: record?.lastOffset ?? -1,
        state: record?.state ?? emptyCustomer(),
      };
      this.recent.delete(id);
      this.recent.set(id, customer);
      this.hold(customer);
    });
  }

  /**
   * Calls `each` with the state of every customer given, without keeping them:
   * those in memory as they are there, the others read from Redis (where, not
   * being in memory, they are as new), `chunk` in one round trip. For passes over
   * many customers whose states are looked at once, not changed.
   */
  async readEach(
    customerIds: readonly string[],
    each: (customerId: string, state: CustomerState) => void,
    chunk = 1_000,
  ): Promise<void> {
    const missing: string[] = [];
    for (const id of customerIds) {
      const customer = this.recent.get(id);
      if (customer) each(id, customer.state);
      else missing.push(id);
    }
    for (let from = 0; from < missing.length; from += chunk) {
      const ids = missing.slice(from, from + chunk);
      this.reads += 1;
      const records = await this.timeRead(() => this.store.readRecords(ids));
      ids.forEach((id, i) => {
        each(id, records[i]?.state ?? emptyCustomer());
      });
    }
  }

  /**
   * Ends a part: what it held becomes the most recently used, and the oldest
   * beyond the bound are dropped, never one it held (its write may not be in
   * Redis yet, so reading it again there could find an older state).
   */
  release(): void {
    let excess = -this.capacity;
    for (const customer of this.recent.values()) excess += stateWeight(customer.state.buckets.length);
    if (excess > 0) {
      for (const [id, customer] of this.recent) {
        if (excess <= 0) break;
        if (this.held.has(id)) continue;
        this.recent.delete(id);
        excess -= stateWeight(customer.state.buckets.length);
      }
    }
    this.held.clear();
    this.weightHeld = 0;
  }

  /** Forgets everything: after a failure, what is in memory may be ahead of Redis. */
  clear(): void {
    this.recent.clear();
    this.held.clear();
    this.weightHeld = 0;
  }
}
