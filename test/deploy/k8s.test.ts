// The Kubernetes manifests of deploy/k8s, validated without a cluster: built-in
// kinds strictly against the Kubernetes JSON schemas (PyPI kubernetes-validate,
// through deploy/k8s/validate), custom resources against validators generated
// from their CRDs' OpenAPI schemas (npm @kubernetes-models/keda and
// prometheus-operator); then what ties them together and to the processor.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { CONFIG_SOURCES } from '../../src/config/config.js';
import { parseDuration } from '../../src/config/duration.js';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const validator = join(dir, 'validate');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are data, checked field by field below
  [key: string]: any;
};

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => ({
    file,
    manifest: doc.toJS() as Manifest,
  })),
);
const CUSTOM = new Set(['ServiceMonitor', 'PrometheusRule', 'ScaledObject']);
const of = (kind: string, name = 'rfm-stream'): Manifest => {
  const found = manifests.find((m) => m.manifest.kind === kind && m.manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found.manifest;
};

async function validateBuiltIn(paths: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('bash', [validator, ...paths], { maxBuffer: 4 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('deploy/k8s', () => {
  it('kustomization lists every manifest', () => {
    const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it('validates the built-in kinds strictly against the Kubernetes schemas', {
    timeout: 300_000,
  }, async () => {
    const builtIn = [...new Set(manifests.filter((m) => !CUSTOM.has(m.manifest.kind)).map((m) => m.file))];
    const { code, output } = await validateBuiltIn(builtIn.map((f) => join(dir, f)));
    expect(output).not.toMatch(/ERROR/);
    expect(code).toBe(0);
    for (const { manifest } of manifests.filter((m) => !CUSTOM.has(m.manifest.kind))) {
      expect(output).toContain(
        `passed for resource ${manifest.kind.toLowerCase()}/${manifest.metadata.name}`,
      );
    }
    // The validator does catch a misspelt field: the same Deployment with one is refused.
    const bad = join(mkdtempSync(join(tmpdir(), 'rfm-k8s-')), 'deployment.yaml');
    const deployment = structuredClone(of('Deployment'));
    deployment.spec.template.spec.containers[0].livenesProbe =
      deployment.spec.template.spec.containers[0].livenessProbe;
    writeFileSync(bad, stringify(deployment));
    const refused = await validateBuiltIn([bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/'livenesProbe' was unexpected/);
  });

  it("validates the custom resources against their CRDs' schemas", () => {
    new ServiceMonitor(of('ServiceMonitor') as never).validate();
    new PrometheusRule(of('PrometheusRule') as never).validate();
    new ScaledObject(of('ScaledObject') as never).validate();
    // And those validators do refuse a wrong type.
    const wrong = structuredClone(of('ScaledObject'));
    wrong.spec.maxReplicaCount = 'one';
    expect(() => new ScaledObject(wrong as never).validate()).toThrow(/maxReplicaCount must be integer/);
    expect(manifests.filter((m) => CUSTOM.has(m.manifest.kind))).toHaveLength(CUSTOM.size);
  });

  it('probes /healthz and /readyz on the port rfm run serves, and stops within the grace period', () => {
    const config = of('ConfigMap').data as Record<string, string>;
    const pod = of('Deployment').spec.template.spec;
    const container = pod.containers[0];
    const http = container.ports.find((p: { name: string }) => p.name === 'http');
    expect(String(http.containerPort)).toBe(config.RFM_HTTP_PORT);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    const shutdownMs = parseDuration(config.RFM_SHUTDOWN_TIMEOUT as string) as number;
    expect(shutdownMs).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
    expect(of('Deployment').spec.strategy.type).toBe('Recreate');
  });

  it('configures the processor only through variables it reads, secrets from Secrets', () => {
    const known = new Set<string>(Object.values(CONFIG_SOURCES).map((s) => s.env));
    const secret = CONFIG_SOURCES as Record<string, { env: string; secret?: boolean }>;
    const configKeys = Object.keys(of('ConfigMap').data);
    const secretKeys = Object.keys(of('Secret').stringData);
    expect([...configKeys, ...secretKeys].filter((k) => !known.has(k))).toEqual([]);
    const secretVariables = Object.values(secret)
      .filter((s) => s.secret)
      .map((s) => s.env);
    expect(secretVariables.filter((v) => configKeys.includes(v))).toEqual([]);
    expect(secretKeys).toEqual(
      expect.arrayContaining(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'REDIS_PASSWORD']),
    );
    const container = of('Deployment').spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'rfm-stream' } },
      { secretRef: { name: 'rfm-stream' } },
    ]);
    for (const ca of ['kafka-ca', 'redis-ca']) {
      const volume = of('Deployment').spec.template.spec.volumes.find((v: { name: string }) => v.name === ca);
      expect(volume.secret.secretName).toBe(of('Secret', `rfm-stream-${ca}`).metadata.name);
    }
  });

  it('ties the Service, ServiceMonitor, PrometheusRule and ScaledObject to the processor', () => {
    const podLabels = of('Deployment').spec.template.metadata.labels;
    const service = of('Service');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.metadata.labels).toMatchObject(of('ServiceMonitor').spec.selector.matchLabels);
    expect(of('ServiceMonitor').spec.endpoints[0]).toMatchObject({
      port: service.spec.ports[0].name,
      path: '/metrics',
    });
    // The job label is the Service's name: the alert rules and the dashboard use job="rfm-stream".
    expect(service.metadata.name).toBe('rfm-stream');
    const rules = parseYaml(
      readFileSync(
        fileURLToPath(new URL('../../deploy/prometheus/rules/rfm-stream.yml', import.meta.url)),
        'utf8',
      ),
    ) as { groups: unknown };
    expect(of('PrometheusRule').spec.groups).toEqual(rules.groups);
    const scaled = of('ScaledObject').spec;
    expect(scaled.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: of('Deployment').metadata.name });
    expect(scaled.triggers[0].metadata.query).toContain('rfm_consumer_lag_records');
    expect(scaled.triggers[0].metadata.query).toContain(`group="${of('ConfigMap').data.RFM_GROUP_ID}"`);
  });
});
