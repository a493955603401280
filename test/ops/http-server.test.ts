import { Agent, request } from 'node:http';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { Health } from '../../src/ops/health.js';
import { startHttpServer } from '../../src/ops/http-server.js';
import { createLogger } from '../../src/ops/logger.js';
import { Metrics } from '../../src/ops/metrics.js';

/** GET `path` on a kept-alive connection of `agent`; resolves with the status, or null on an error. */
function get(agent: Agent, port: number, path: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

describe('the HTTP server', () => {
  it('closes while a keep-alive client keeps probing it (the process can exit)', async () => {
    const registry = new Registry();
    const metrics = new Metrics(registry, { topic: 'orders', group: 'g', allowedLatenessDays: 3 });
    const logger = createLogger(loadConfig({ RFM_LOG_LEVEL: 'silent' }));
    let inFlight: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => {
      inFlight = resolve;
    });
    // A lookup that takes a moment: the close below comes while a request is in flight.
    const lookup = async () => {
      inFlight();
      await new Promise((resolve) => setTimeout(resolve, 30));
      return null;
    };
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      health: new Health(metrics),
      customer: () => lookup,
      logger,
    });
    // A probe on one connection, again and again, as Node's default agent keeps it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let probing = true;
    const prober = (async () => {
      while (probing) await get(agent, server.port, '/customers/c-1');
    })();
    await asked;
    const started = Date.now();
    const closed = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000)),
    ]);
    probing = false;
    await prober;
    agent.destroy();
    expect(closed).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 10_000);
});
