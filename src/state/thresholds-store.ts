// The thresholds versions of one input topic in Redis: every version by id, and
// which one is current.
import type { ChainableCommander } from 'ioredis';
import type { Thresholds } from '../domain/thresholds.js';
import type { Keys } from './keys.js';
import { commandName, type RedisClient } from './scripts.js';

const CURRENT = '@current';

export class ThresholdsStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    topic: string,
  ) {
    this.key = keys.thresholds(topic);
  }

  async current(): Promise<Thresholds | null> {
    const version = await this.redis.hget(this.key, CURRENT);
    return version ? this.get(version) : null;
  }

  async get(version: string): Promise<Thresholds | null> {
    const json = await this.redis.hget(this.key, version);
    return json ? (JSON.parse(json) as Thresholds) : null;
  }

  /**
   * Stores a version and makes it current, in one step: at once, or queued on
   * `pipeline` for its caller to send with the rest of a step.
   */
  async save(thresholds: Thresholds, pipeline?: ChainableCommander): Promise<void> {
    const args = [
      this.key,
      thresholds.version,
      JSON.stringify(thresholds),
      CURRENT,
      thresholds.version,
    ] as const;
    if (pipeline) pipeline.hset(...args);
    else await this.redis.hset(...args);
  }

  /**
   * Stores a version unless one of its id is stored already (made current unless
   * a later one is), and returns the one stored: another process's when it was first.
   */
  async saveFirst(thresholds: Thresholds): Promise<Thresholds> {
    const run = (this.redis as unknown as Record<string, (...args: string[]) => Promise<string>>)[
      commandName('saveThresholds')
    ];
    if (!run) throw new Error('saveThresholds is not defined on this connection: call defineScripts');
    const stored = await run.call(this.redis, this.key, thresholds.version, JSON.stringify(thresholds));
    return JSON.parse(stored) as Thresholds;
  }
}
