// Registers the Lua scripts of src/state/scripts with ioredis under versioned
// names (two deployed versions can share one Redis; ioredis sends EVALSHA and
// falls back to EVAL), and names their results.
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** Bump when any script changes, so a rolling upgrade never runs a mix. */
export const SCRIPTS_VERSION = 4;

export enum WriteResult {
  CONFLICT = -1,
  /** The partition was taken by another process since this one took it. */
  REVOKED = -2,
}

/** Each script and its number of keys; 'n' for as many as the caller passes (numkeys first). */
const SCRIPTS = {
  writeCustomer: 1,
  writeCustomerOwned: 2,
  saveThresholds: 1,
  claimPartition: 1,
  fencedWrites: 'n',
} as const;
export type ScriptName = keyof typeof SCRIPTS;

export type RedisClient = Redis | Cluster;
type Scripted = Record<string, (...args: (string | number | Buffer)[]) => unknown>;

export function commandName(script: ScriptName): string {
  return `rfm${SCRIPTS_VERSION}_${script}`;
}

export function defineScripts(redis: RedisClient): void {
  for (const [script, numberOfKeys] of Object.entries(SCRIPTS)) {
    // Read from src/ both under vitest and from dist/: tsc does not copy .lua files.
    const file = new URL(`../../src/state/scripts/${script}-${numberOfKeys}.lua`, import.meta.url);
    const lua = readFileSync(file, 'utf8');
    redis.defineCommand(
      commandName(script as ScriptName),
      numberOfKeys === 'n' ? { lua } : { lua, numberOfKeys },
    );
  }
}

/** Queues a script call on a pipeline. */
export function queueScript(
  pipeline: ChainableCommander,
  script: ScriptName,
  args: (string | number | Buffer)[],
): void {
  const call = (pipeline as unknown as Scripted)[commandName(script)];
  if (!call) throw new Error(`script ${script} is not defined on this connection`);
  call.apply(pipeline, args);
}
