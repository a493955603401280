// Which namespace holds the live state of a deployment, and a promotion the live
// processor has yet to carry out. Kept under the namespace the processor is
// configured with (RFM_NAMESPACE), which stays the deployment's name whichever
// namespace it writes: `rfm run` reads it at start-up and watches it.
import type { Keys } from './keys.js';
import type { RedisClient } from './scripts.js';

export interface PartitionOffset {
  partition: number;
  offset: number;
}

export interface Promotion {
  /** The namespace to make live. */
  namespace: string;
  /** The input topic its state was built from. */
  topic: string;
  /** Per partition, the first offset its state has not applied: where the live processor goes on from. */
  offsets: PartitionOffset[];
  /** Epoch ms; tells two promotions of the same namespace apart. */
  promotedAt: number;
}

export interface LiveState {
  /** The namespace the live processor writes: the deployment's own until a promotion. */
  namespace: string;
  /** A promotion not carried out yet. */
  pending: Promotion | null;
}

export class LivePointer {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly deployment: Keys,
  ) {
    this.key = deployment.live();
  }

  async read(): Promise<LiveState> {
    const [namespace, pending] = await this.redis.hmget(this.key, 'namespace', 'pending');
    return {
      namespace: namespace || this.deployment.namespace,
      pending: pending ? (JSON.parse(pending) as Promotion) : null,
    };
  }

  /** Asks the live processor to move to `promotion.namespace`; replaces a promotion still pending. */
  async promote(promotion: Promotion): Promise<void> {
    await this.redis.hset(this.key, 'pending', JSON.stringify(promotion));
  }

  /** Records that the live processor now writes the promotion's namespace. */
  async completeSwitch(promotion: Promotion): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key, 'namespace', promotion.namespace, 'switchedAt', String(Date.now()))
      .hdel(this.key, 'pending')
      .exec();
  }
}
