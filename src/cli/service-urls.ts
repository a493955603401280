// The URLs `rfm demo` prints: the processor's metrics endpoint, Prometheus and
// Grafana. The one place to add an endpoint: each is listed only once something
// answers at it, so nothing is printed that is not there.
import type { Config } from '../config/config.js';

export interface ServiceUrl {
  name: string;
  url: string;
}

interface Candidate extends ServiceUrl {
  /** What answers with 2xx when the service is up. */
  probe: string;
}

function candidates(config: Pick<Config, 'httpPort'>, env: NodeJS.ProcessEnv): Candidate[] {
  const prometheus = env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090';
  const grafana = env.GRAFANA_URL ?? 'http://127.0.0.1:3000';
  const metrics = `http://127.0.0.1:${config.httpPort}/metrics`;
  return [
    { name: 'metrics', url: metrics, probe: metrics },
    { name: 'Prometheus', url: prometheus, probe: `${prometheus}/-/ready` },
    { name: 'Grafana', url: grafana, probe: `${grafana}/api/health` },
  ];
}

/** The services that answer now, in a fixed order. */
export async function serviceUrls(
  config: Pick<Config, 'httpPort'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceUrl[]> {
  const answering = await Promise.all(
    candidates(config, env).map(async ({ name, url, probe }) => {
      try {
        const response = await fetch(probe, { signal: AbortSignal.timeout(800) });
        await response.body?.cancel();
        return response.ok ? [{ name, url }] : [];
      } catch {
        return [];
      }
    }),
  );
  return answering.flat();
}
