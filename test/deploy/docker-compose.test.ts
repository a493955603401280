// No Docker engine runs in CI, so the compose file is checked as data: the
// services a Docker user gets, their versions, ports and health checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROCESSOR_ENV, PROCESSOR_NODE_OPTIONS } from '../../src/bench/measure.js';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile: string };
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  command?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
};
const kafkaPom = readFileSync(new URL('../../deploy/local/kafka/pom.xml', import.meta.url), 'utf8');

function service(name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

describe('docker-compose.yml', () => {
  it('runs the stack services, each with a health check', () => {
    for (const name of ['kafka', 'schema-registry', 'redis', 'processor', 'prometheus', 'grafana']) {
      expect(service(name).healthcheck?.test.length, `${name} health check`).toBeGreaterThan(0);
    }
  });

  it('runs the same Kafka version as the local stack, in KRaft mode', () => {
    const localVersion = /<kafka.version>([^<]+)</.exec(kafkaPom)?.[1];
    expect(service('kafka').image).toBe(`apache/kafka:${localVersion}`);
    expect(service('kafka').environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(service('kafka').environment?.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
  });

  it("uses Confluent's registry against the compose broker, and Redis 7 with AOF", () => {
    expect(service('schema-registry').image).toMatch(/^confluentinc\/cp-schema-registry:/);
    expect(service('schema-registry').environment?.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toBe(
      'PLAINTEXT://kafka:19092',
    );
    expect(service('schema-registry').depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('redis').command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('publishes the ports the README and the local stack use', () => {
    const published = Object.fromEntries(
      Object.entries(compose.services).map(([name, s]) => [
        name,
        (s.ports ?? []).map((p) => p.split(':')[0]),
      ]),
    );
    expect(published).toMatchObject({
      kafka: ['9092'],
      'schema-registry': ['8081'],
      redis: ['6379'],
      processor: ['9400'],
      prometheus: ['9090'],
      grafana: ['3000'],
    });
  });

  it('runs the processor from deploy/docker/Dockerfile, after `rfm topics`, against the compose services', () => {
    expect(service('topics').build).toEqual({ context: '.', dockerfile: 'deploy/docker/Dockerfile' });
    expect(service('topics').command).toEqual(['topics']);
    expect(service('processor').image).toBe(service('topics').image);
    expect(service('processor').command).toEqual(['run']);
    expect(service('processor').depends_on).toMatchObject({
      topics: { condition: 'service_completed_successfully' },
    });
    expect(service('processor').environment).toEqual({
      KAFKA_BROKERS: 'kafka:19092',
      SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(service('processor').healthcheck?.test.join(' ')).toContain('/readyz');
  });

  it("gives the image's processes the memory settings the benchmark measures them with", () => {
    const dockerfile = readFileSync(new URL('../../deploy/docker/Dockerfile', import.meta.url), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(/^ENV NODE_OPTIONS="([^"]*)"$/m.exec(runtime)?.[1]).toBe(PROCESSOR_NODE_OPTIONS);
    for (const [name, value] of Object.entries(PROCESSOR_ENV))
      expect(new RegExp(`^ENV ${name}=(\\S+)$`, 'm').exec(runtime)?.[1], name).toBe(value);
  });

  it('provisions Prometheus with the scrape configuration and rules, Grafana with the dashboard', () => {
    const prometheus = parse(
      readFileSync(new URL('../../deploy/prometheus/prometheus.yml', import.meta.url), 'utf8'),
    );
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual(['processor:9400']);
    expect(service('prometheus').volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
    expect(service('prometheus').command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(service('grafana').volumes).toEqual([
      './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
      './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro',
    ]);
    const provider = parse(
      readFileSync(
        new URL('../../deploy/grafana/provisioning/dashboards/rfm-stream.yml', import.meta.url),
        'utf8',
      ),
    );
    expect(provider.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    const datasource = parse(
      readFileSync(
        new URL('../../deploy/grafana/provisioning/datasources/prometheus.yml', import.meta.url),
        'utf8',
      ),
    );
    expect(datasource.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });
});
