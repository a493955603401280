// The fitted value models of one input topic in Redis: every version by id, and
// which one is current. `rfm fit` saves; the processor polls `currentVersion`.
import type { ValueModel } from '../domain/clv/value-model.js';
import type { Keys } from './keys.js';
import type { RedisClient } from './scripts.js';

const CURRENT = '@current';
const SEQUENCE = '@sequence';

export class ValueModelStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    keys: Keys,
    topic: string,
  ) {
    this.key = keys.valueModels(topic);
  }

  async currentVersion(): Promise<string | null> {
    return this.redis.hget(this.key, CURRENT);
  }

  async current(): Promise<ValueModel | null> {
    const version = await this.currentVersion();
    return version ? this.get(version) : null;
  }

  async get(version: string): Promise<ValueModel | null> {
    const json = await this.redis.hget(this.key, version);
    return json ? (JSON.parse(json) as ValueModel) : null;
  }

  /** Every stored version, oldest first. */
  async versions(): Promise<ValueModel[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.entries(all)
      .filter(([field]) => !field.startsWith('@'))
      .map(([, json]) => JSON.parse(json) as ValueModel)
      .sort((m, n) => m.fittedAt.localeCompare(n.fittedAt));
  }

  /** A new version id: `<calibration end>.<n>`, n counting every fit of the topic. */
  async nextVersion(calibrationEnd: string): Promise<string> {
    const n = await this.redis.hincrby(this.key, SEQUENCE, 1);
    return `${calibrationEnd}.${n}`;
  }

  /** Stores a version and makes it current, in one step. */
  async save(model: ValueModel): Promise<void> {
    await this.redis.hset(this.key, model.version, JSON.stringify(model), CURRENT, model.version);
  }
}
