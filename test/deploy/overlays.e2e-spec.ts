/**
 * The kustomize overlays (deploy/overlays/dev and production) rendered by the real `kubectl
 * kustomize`, every object validated against the Kubernetes API schemas (and the Prometheus
 * Operator's, for the ServiceMonitor and PrometheusRule), then held to the operating invariants:
 * probes, non-root, limits, NetworkPolicies around every pod both ways, and an admin plane the
 * public Ingress never reaches. The alert rules pass `promtool check rules`, and every query of
 * the rules and of the Grafana dashboard names only metrics the code declares (docs/operations.md).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import * as ts from 'typescript';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { DEPLOY_DIR, type KubeObject, ROOT, selectorMatches, serviceSelectorMatches } from './kube';
import { validateObjects } from './kube-schema';

const OVERLAYS = { dev: { minReplicas: 1 }, production: { minReplicas: 3 } } as const;
type Overlay = keyof typeof OVERLAYS;

/** The alerts docs/operations.md promises, each with a runbook there. */
const REQUIRED_ALERTS = [
  'LatchkeyHighErrorRatio',
  'LatchkeyHighLatencyP99',
  'LatchkeyBackendUnavailable',
  'LatchkeyOutboxBacklog',
  'LatchkeyAuditConsumerLag',
  'LatchkeySigningKeyNearExpiry',
  'LatchkeyAuditChainVerifyFailure',
];

function render(overlay: Overlay): KubeObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(DEPLOY_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  return (yaml.loadAll(out) as (KubeObject | null)[]).filter((o): o is KubeObject => !!o);
}

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}

const nameOf = (o: { metadata?: { name?: string } }): string => o.metadata?.name ?? '<unnamed>';

function containersOf(d: IDeployment): IContainer[] {
  const spec = d.spec?.template.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function portOf(container: IContainer, port: string | number | undefined): number | undefined {
  const ports = container.ports ?? [];
  return typeof port === 'number'
    ? ports.find((p) => p.containerPort === port)?.containerPort
    : ports.find((p) => p.name === port)?.containerPort;
}

function envOf(container: IContainer, configMaps: IConfigMap[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const cm = configMaps.find((c) => nameOf(c) === from.configMapRef?.name);
    Object.assign(env, cm?.data ?? {});
  }
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

// ------------------------------------------------------------------------------------------------
// Metric names: what the code declares, and what a PromQL expression references
// ------------------------------------------------------------------------------------------------

const METRIC_KINDS = new Set(['Counter', 'Gauge', 'Histogram', 'Summary']);
const SERIES_SUFFIXES: Record<string, string[]> = {
  Counter: [''],
  Gauge: [''],
  Histogram: ['_bucket', '_sum', '_count'],
  Summary: ['', '_sum', '_count'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(file);
    return /(?<!\.spec|\.int-spec)\.ts$/.test(entry.name) ? [file] : [];
  });
}

/** The metric kind a node constructs (`new Counter(...)` and so on), searched at any depth. */
function constructedKind(node: ts.Node): string | undefined {
  if (
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    METRIC_KINDS.has(node.expression.text)
  ) {
    return node.expression.text;
  }
  return ts.forEachChild(node, constructedKind);
}

/**
 * Series names of every metric the code declares in apps/ and libs/: `new Counter({ name: '...'
 * })` and the like, and a call of a factory in the same file that constructs the metric from a
 * literal name it is given (`scrapedGauge('latchkey_...', ...)`).
 */
function declaredSeries(): Set<string> {
  const series = new Set<string>();
  const add = (name: string, kind: string) => {
    for (const suffix of SERIES_SUFFIXES[kind]) series.add(`${name}${suffix}`);
  };
  const files = ['apps', 'libs'].flatMap((d) => sourceFiles(path.join(ROOT, d)));
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/new (Counter|Gauge|Histogram|Summary)\b/.test(text)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    // Functions of this file that construct a metric: a literal first argument names it.
    const factories = new Map<string, string>();
    source.forEachChild((node) => {
      if (ts.isFunctionDeclaration(node) && node.name && node.body) {
        const kind = constructedKind(node.body);
        if (kind) factories.set(node.name.text, kind);
      }
    });
    const visit = (node: ts.Node): void => {
      if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        METRIC_KINDS.has(node.expression.text)
      ) {
        const options = node.arguments?.[0];
        if (options && ts.isObjectLiteralExpression(options)) {
          for (const prop of options.properties) {
            if (
              ts.isPropertyAssignment(prop) &&
              ts.isIdentifier(prop.name) &&
              prop.name.text === 'name' &&
              ts.isStringLiteralLike(prop.initializer)
            ) {
              add(prop.initializer.text, node.expression.text);
            }
          }
        }
      }
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
        const kind = factories.get(node.expression.text);
        const first = node.arguments[0];
        if (kind && first && ts.isStringLiteralLike(first)) add(first.text, kind);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return series;
}

/** Node's default metrics as the services register them (prefix latchkey_). */
async function defaultSeries(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  const series = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    // Typed as an enum, but prom-client's JSON carries the exposition name ('histogram'...).
    const type = String(metric.type);
    const kind = type === 'histogram' ? 'Histogram' : type === 'summary' ? 'Summary' : 'Gauge';
    for (const suffix of SERIES_SUFFIXES[kind]) series.add(`${metric.name}${suffix}`);
  }
  return series;
}

/** The metric names a PromQL expression selects; a syntax error is reported as a problem. */
function referencedMetrics(expr: string): { metrics: string[]; problems: string[] } {
  const metrics: string[] = [];
  const problems: string[] = [];
  // Grafana's variables are not PromQL: give them values of the right shape first.
  const promql = expr.replace(/\$__rate_interval|\$__interval/g, '5m').replace(/\$\w+/g, 'x');
  promqlParser.parse(promql).iterate({
    enter(node) {
      if (node.type.isError) problems.push(`syntax error at ${node.from} in ${expr}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        metrics.push(promql.slice(node.from, node.to));
      }
    },
  });
  return { metrics, problems };
}

function unknownMetrics(exprs: string[], known: Set<string>): string[] {
  return exprs.flatMap((expr) => {
    const { metrics, problems } = referencedMetrics(expr);
    if (metrics.length === 0) problems.push(`selects no metric: ${expr}`);
    return [...problems, ...metrics.filter((m) => !known.has(m)).map((m) => `unknown metric ${m}`)];
  });
}

/** GitHub's anchor of a Markdown heading. */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

// ------------------------------------------------------------------------------------------------

describe.each(Object.keys(OVERLAYS) as Overlay[])('deploy/overlays/%s', (overlay) => {
  let objects: KubeObject[];
  let deployments: IDeployment[];
  let configMaps: IConfigMap[];

  beforeAll(() => {
    objects = render(overlay);
    deployments = ofKind<IDeployment>(objects, 'Deployment');
    configMaps = ofKind<IConfigMap>(objects, 'ConfigMap');
  });

  const gateway = (): IContainer => {
    const d = deployments.find((x) =>
      x.spec?.template.spec?.containers[0]?.args?.includes('dist/apps/gateway/main.js'),
    );
    if (!d) throw new Error('no gateway Deployment');
    return d.spec!.template.spec!.containers[0];
  };

  it('renders with kubectl kustomize, every object valid against the API schemas', () => {
    expect(deployments).toHaveLength(4);
    expect(validateObjects(objects)).toEqual({});
  });

  it('puts everything in one namespace', () => {
    const namespaces = ofKind<KubeObject>(objects, 'Namespace').map((n) => n.metadata.name);
    expect(namespaces).toHaveLength(1);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
      expect({ o: `${o.kind}/${o.metadata.name}`, ns: o.metadata.namespace }).toEqual({
        o: `${o.kind}/${o.metadata.name}`,
        ns: namespaces[0],
      });
    }
  });

  it('every container: non-root, no privilege escalation, read-only root, cpu and memory limits', () => {
    for (const d of deployments) {
      expect({
        d: nameOf(d),
        nonRoot: d.spec?.template.spec?.securityContext?.runAsNonRoot,
      }).toEqual({ d: nameOf(d), nonRoot: true });
      for (const c of containersOf(d)) {
        const where = `${nameOf(d)}/${c.name}`;
        expect({
          where,
          nonRoot: c.securityContext?.runAsNonRoot,
          escalation: c.securityContext?.allowPrivilegeEscalation,
          readOnly: c.securityContext?.readOnlyRootFilesystem,
          cpu: c.resources?.limits?.cpu !== undefined,
          memory: c.resources?.limits?.memory !== undefined,
        }).toEqual({
          where,
          nonRoot: true,
          escalation: false,
          readOnly: true,
          cpu: true,
          memory: true,
        });
      }
    }
  });

  it('every service has startup, liveness and readiness probes', () => {
    for (const d of deployments) {
      const c = d.spec!.template.spec!.containers[0];
      expect({
        d: nameOf(d),
        startup: c.startupProbe?.httpGet?.path,
        liveness: c.livenessProbe?.httpGet?.path,
        readiness: c.readinessProbe?.httpGet?.path,
      }).toEqual({ d: nameOf(d), startup: '/healthz', liveness: '/healthz', readiness: '/readyz' });
    }
  });

  it('NetworkPolicies isolate every pod both ways, with a default deny for each direction', () => {
    const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
    for (const direction of ['Ingress', 'Egress'] as const) {
      const key = direction === 'Ingress' ? 'ingress' : 'egress';
      const defaultDeny = policies.filter(
        (p) =>
          Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
          (p.spec?.policyTypes ?? []).includes(direction) &&
          (p.spec?.[key] ?? []).length === 0,
      );
      expect({ direction, defaultDeny: defaultDeny.length }).toEqual({ direction, defaultDeny: 1 });
      for (const d of deployments) {
        const labels = d.spec?.template.metadata?.labels ?? {};
        const opening = policies.filter(
          (p) =>
            (p.spec?.policyTypes ?? []).includes(direction) &&
            (p.spec?.[key] ?? []).length > 0 &&
            selectorMatches(p.spec?.podSelector, labels),
        );
        expect({ d: nameOf(d), direction, opened: opening.length > 0 }).toEqual({
          d: nameOf(d),
          direction,
          opened: true,
        });
      }
    }
  });

  it('the admin plane is never on the public Ingress, and the Ingress host is the issuer', () => {
    const adminPort = portOf(gateway(), 'admin');
    expect(adminPort).toEqual(expect.any(Number));
    expect(Number(envOf(gateway(), configMaps).ADMIN_PORT)).toBe(adminPort);
    const services = ofKind<IService>(objects, 'Service');
    const gatewayLabels = deployments.find(
      (d) => d.spec?.template.spec?.containers[0] === gateway(),
    )?.spec?.template.metadata?.labels;
    const ingresses = ofKind<IIngress>(objects, 'Ingress');
    expect(ingresses.length).toBeGreaterThan(0);
    for (const ingress of ingresses) {
      for (const rule of ingress.spec?.rules ?? []) {
        expect(`https://${rule.host}`).toBe(envOf(gateway(), configMaps).ISSUER);
        for (const p of rule.http?.paths ?? []) {
          const service = services.find((s) => nameOf(s) === p.backend.service?.name);
          expect(service).toBeDefined();
          const port = service!.spec?.ports?.find(
            (sp) => sp.name === p.backend.service?.port?.name,
          );
          expect(port).toBeDefined();
          if (!serviceSelectorMatches(service!.spec?.selector, gatewayLabels ?? {})) continue;
          expect({
            path: p.path,
            target: portOf(gateway(), port!.targetPort ?? port!.port),
          }).toEqual({
            path: p.path,
            target: portOf(gateway(), 'http'),
          });
        }
      }
    }
  });

  it(`scales from ${OVERLAYS[overlay].minReplicas} replica(s) of each service`, () => {
    const hpas = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(4);
    for (const hpa of hpas) expect(hpa.spec?.minReplicas).toBe(OVERLAYS[overlay].minReplicas);
  });
});

describe('deploy/overlays/production monitoring', () => {
  let objects: KubeObject[];
  let known: Set<string>;
  let rules: IPrometheusRule;
  let dashboard: { panels: { targets: { expr: string }[] }[] };

  beforeAll(async () => {
    objects = render('production');
    known = new Set([...declaredSeries(), ...(await defaultSeries())]);
    rules = ofKind<IPrometheusRule>(objects, 'PrometheusRule')[0];
    const cm = ofKind<IConfigMap>(objects, 'ConfigMap').find(
      (c) => c.metadata?.labels?.grafana_dashboard === '1',
    );
    if (!cm) throw new Error('no Grafana dashboard ConfigMap');
    dashboard = JSON.parse(Object.values(cm.data ?? {})[0] ?? '{}') as typeof dashboard;
  });

  const alerts = () =>
    rules.spec.groups?.flatMap((g) => g.rules ?? []).filter((r) => r.alert) ?? [];

  it('the ServiceMonitor scrapes every service through a Service with a `metrics` port', () => {
    const monitors = ofKind<IServiceMonitor>(objects, 'ServiceMonitor');
    expect(monitors).toHaveLength(1);
    const monitor = monitors[0];
    const endpointPorts = (monitor.spec.endpoints ?? []).map((e) => e.port);
    expect(endpointPorts).toContain('metrics');
    const scraped = ofKind<IService>(objects, 'Service').filter(
      (s) =>
        selectorMatches(monitor.spec.selector, s.metadata?.labels ?? {}) &&
        (s.spec?.ports ?? []).some((p) => p.name === 'metrics'),
    );
    for (const d of ofKind<IDeployment>(objects, 'Deployment')) {
      const labels = d.spec?.template.metadata?.labels ?? {};
      const via = scraped.filter((s) => serviceSelectorMatches(s.spec?.selector, labels));
      expect({ d: nameOf(d), scraped: via.length }).toEqual({ d: nameOf(d), scraped: 1 });
    }
  });

  it('the alert rules pass promtool check rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-rules-'));
    try {
      const file = path.join(dir, 'rules.yaml');
      fs.writeFileSync(file, yaml.dump(rules.spec));
      const out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(out).toContain(`SUCCESS: ${alerts().length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every required alert exists, each with a runbook in docs/operations.md', () => {
    const names = alerts().map((a) => a.alert);
    expect(names).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
    const anchors = anchorsOf(fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8'));
    for (const alert of alerts()) {
      const url = alert.annotations?.runbook_url ?? '';
      expect({ alert: alert.alert, url }).toEqual({
        alert: alert.alert,
        url: expect.stringMatching(/\/docs\/operations\.md#[a-z0-9-]+$/) as unknown,
      });
      expect({ alert: alert.alert, anchor: anchors.has(url.split('#')[1]) }).toEqual({
        alert: alert.alert,
        anchor: true,
      });
    }
  });

  it('the alert rules query only metrics the code declares', () => {
    expect(
      unknownMetrics(
        alerts().map((a) => String(a.expr)),
        known,
      ),
    ).toEqual([]);
  });

  it("the dashboard's panels query only metrics the code declares", () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    expect(unknownMetrics(exprs, known)).toEqual([]);
  });

  it('the metric check bites: an unknown metric and a syntax error are both reported', () => {
    expect(unknownMetrics(['rate(latchkey_no_such_metric_total[5m])'], known)).toEqual([
      'unknown metric latchkey_no_such_metric_total',
    ]);
    expect(
      unknownMetrics(['sum(rate(latchkey_http_request_duration_seconds_count[5m])'], known),
    ).not.toEqual([]);
    expect(known.has('latchkey_http_request_duration_seconds_bucket')).toBe(true);
    expect(known.has('latchkey_process_resident_memory_bytes')).toBe(true);
  });
});
