// No Docker engine runs in CI, so the compose file is checked as data: the
// services a Docker user gets, their versions, ports and health checks.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
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
    for (const name of ['kafka', 'schema-registry', 'redis', 'prometheus', 'grafana']) {
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
      prometheus: ['9090'],
      grafana: ['3000'],
    });
  });
});
