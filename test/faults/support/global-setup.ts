// Once per fault-suite run: builds the CLI the scenarios run as child processes,
// makes sure the Kafka jars and redis-server are installed (deploy/local/stack
// install), and provides a schema registry: SCHEMA_REGISTRY_URL when set, else
// an Apicurio of its own (in memory, on a free port), stopped afterwards. Each
// scenario starts its own Kafka and Redis (test/faults/support/stack.ts): a Redis
// Cluster of 3 masters with RFM_FAULT_REDIS=cluster.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { Daemon, freePort, stackDir, waitFor } from './services.js';
import type { FaultSuite } from './stack.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  await run('bash', [join(repo, 'deploy/local/stack'), 'install'], { maxBuffer: 16 << 20 });
  await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repo,
    maxBuffer: 16 << 20,
  });

  let registryUrl = process.env.SCHEMA_REGISTRY_URL;
  let registry: Daemon | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'rfm-faults-'));
  if (!registryUrl) {
    const port = await freePort();
    registry = new Daemon('registry', join(scratch, 'registry.log'));
    const { stdout } = await run('bash', [
      '-c',
      `source "${join(repo, 'deploy/local/registry/registry.sh')}" && registry_cmd "$0" "$1" ""`,
      join(stackDir, 'registry/apicurio-3.0.9'),
      String(port),
    ]);
    const [command, ...args] = stdout.trim().split('\n');
    registry.start(command as string, args);
    await waitFor(
      'schema registry',
      async () => {
        if (!registry?.running) throw new Error(`the registry exited:\n${registry?.log().slice(-3000)}`);
        return fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      180_000,
    );
    registryUrl = `http://127.0.0.1:${port}/apis/ccompat/v7`;
  }

  const resultsDir = process.env.RFM_FAULT_RESULTS ?? join(scratch, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const faults: FaultSuite = {
    registryUrl,
    resultsDir,
    // Issue 7's size: about 25 minutes for the whole suite on the 2-core machine.
    // Fewer (at least 1,000) for a quick look at a change.
    events: Number(process.env.RFM_FAULT_EVENTS ?? 100_000),
    seed: Number(process.env.RFM_FAULT_SEED ?? Date.now() % 1_000_000),
    redis: process.env.RFM_FAULT_REDIS === 'cluster' ? 'cluster' : 'single',
  };
  if (!['', 'single', 'cluster'].includes(process.env.RFM_FAULT_REDIS ?? ''))
    throw new Error(`RFM_FAULT_REDIS=${process.env.RFM_FAULT_REDIS}: give cluster, or single (the default)`);
  if (!Number.isSafeInteger(faults.events) || faults.events < 1000)
    throw new Error(`RFM_FAULT_EVENTS=${process.env.RFM_FAULT_EVENTS}: give a whole number of at least 1000`);
  console.log(
    `[faults] ${faults.events} events per scenario, seed ${faults.seed} (RFM_FAULT_SEED), ` +
      `${faults.redis === 'cluster' ? 'a Redis Cluster of 3 masters' : 'a single Redis'} each (RFM_FAULT_REDIS), registry ${registryUrl}, ` +
      `results in ${resultsDir}, set up in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  project.provide('faults', faults);
  return async () => {
    await registry?.kill('SIGTERM');
    rmSync(scratch, { recursive: true, force: true });
  };
}
