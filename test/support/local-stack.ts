// Drives deploy/local/stack, the Docker-free stack, from the test harness, with
// its Redis Cluster.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StackEndpoints } from './stack-endpoints.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../deploy/local/stack', import.meta.url));

async function stack(command: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('bash', [script, command], {
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, RFM_REDIS_CLUSTER: '1' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code === 'number' && command === 'status') return { code: failed.code, stdout: '' };
    throw new Error(`deploy/local/stack ${command} failed:\n${failed.stderr ?? String(error)}`);
  }
}

export async function localStackRunning(): Promise<boolean> {
  return (await stack('status')).code === 0;
}

/** Starts the local stack (installing it on first use) and returns where it listens. */
export async function startLocalStack(): Promise<StackEndpoints> {
  await stack('up');
  const env = Object.fromEntries(
    (await stack('env')).stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  return {
    kafkaBrokers: required(env, 'KAFKA_BROKERS'),
    schemaRegistryUrl: required(env, 'SCHEMA_REGISTRY_URL'),
    redisUrl: required(env, 'REDIS_URL'),
    redisClusterUrl: required(env, 'REDIS_CLUSTER_URL'),
    source: 'local-stack',
  };
}

export async function stopLocalStack(): Promise<void> {
  await stack('down');
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`deploy/local/stack env did not print ${name}`);
  return value;
}
