/**
 * The deployment artefacts in deploy/, checked offline: the Kubernetes kustomization is rendered
 * and validated against the Kubernetes API schemas (strictly: unknown fields fail), then held to
 * the platform's operating policy; the Compose file and the Dockerfile are parsed and checked
 * against the same contract (docs/architecture.md §1, §4, §5), the service list coming from the code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from '@jest/globals';
import * as ts from 'typescript';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { loadConfig, type RequiredSetting } from '@latchkey/config';
import { ALL_SERVICES, type ServiceName, Services } from '@latchkey/contracts';
import {
  commandOf,
  type ComposeFile,
  dependenciesOf,
  environmentOf,
  loadCompose,
  publishedPorts,
} from './compose';
import {
  copyOf,
  type Dockerfile,
  envOf,
  execForm,
  parseDockerfile,
  type Stage,
} from './dockerfile';
import {
  clone,
  DEPLOY_DIR,
  idOf,
  isPinnedImage,
  type KubeObject,
  KUSTOMIZE_DIR,
  parseImage,
  parseQuantity,
  ROOT,
  selectorMatches,
  serviceSelectorMatches,
} from './kube';
import { schemaErrors, unknownFieldErrors, validateObjects } from './kube-schema';
import {
  type Kustomization,
  KUSTOMIZATION_FIELDS,
  loadManifestFile,
  readKustomization,
  renderKustomization,
} from './kustomize';
import { ingressBackendFor, oauthEndpointPaths } from './routes';

const SERVICES: readonly ServiceName[] = ALL_SERVICES;
const INTERNAL = SERVICES.filter((s) => s !== Services.Gateway);
/** The services that seal secrets at rest with KEY_ENCRYPTION_KEY (docs/architecture.md §4). */
const KEK_HOLDERS: ReadonlySet<ServiceName> = new Set([Services.Token, Services.ClientRegistry]);
const IMAGE_NAME = 'ghcr.io/latchkey/latchkey';
const SECRET_NAME = 'latchkey-secrets';
const NAMESPACE = 'latchkey';

/** The port each service serves HTTP on: the public edge, or health/metrics for the others. */
const httpPortOf = (svc: ServiceName): number => (svc === Services.Gateway ? 8080 : 9090);
/** The gateway's admin plane (ADMIN_PORT): admin API, OpenAPI and /metrics. */
const ADMIN_PLANE_PORT = 8081;
/** Where Prometheus scrapes each service: the gateway's admin plane, the others' HTTP port. */
const metricsPortOf = (svc: ServiceName): number =>
  svc === Services.Gateway ? ADMIN_PLANE_PORT : httpPortOf(svc);
const entryPointOf = (svc: ServiceName): string => `dist/apps/${svc}/main.js`;

/** Settings a service cannot start without, beyond the backends every distributed one needs. */
const requiredSettingsOf = (svc: ServiceName): RequiredSetting[] => [
  'database',
  'redis',
  'nats',
  ...(svc === Services.Token ? (['keyEncryptionKey'] as const) : []),
];

/** Variables every service reads (docs/architecture.md §4). */
const COMMON_ENV = [
  'ISSUER',
  'DATABASE_URL',
  'REDIS_URL',
  'NATS_URL',
  'LOG_LEVEL',
  'BUS_TIMEOUT_MS',
];

/** Names whose values are credentials: they may only come from a Secret. */
const SECRET_ENV = /(SECRET|PASSWORD|TOKEN|PRIVATE|_KEY$|^DATABASE_URL$|^REDIS_URL$|^NATS_URL$)/;
const CREDENTIALS_IN_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i;

/** Property names of PlatformEnv, read from the source: the variables the services understand. */
function platformEnvNames(): Set<string> {
  const file = path.join(ROOT, 'libs/config/src/env.schema.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const names = new Set<string>();
  source.forEachChild((node) => {
    if (ts.isClassDeclaration(node) && node.name?.text === 'PlatformEnv') {
      for (const member of node.members) {
        if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name)) {
          names.add(member.name.text);
        }
      }
    }
  });
  if (names.size === 0) throw new Error(`no PlatformEnv properties found in ${file}`);
  return names;
}

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}

function nameOf(o: { metadata?: { name?: string } }): string {
  return o.metadata?.name ?? '<unnamed>';
}

function podTemplateOf(workload: IDeployment | IJob): IPodTemplateSpec {
  const template = workload.spec?.template;
  if (!template) throw new Error(`${nameOf(workload)} has no pod template`);
  return template;
}

function podSpecOf(workload: IDeployment | IJob): IPodSpec {
  const spec = podTemplateOf(workload).spec;
  if (!spec) throw new Error(`${nameOf(workload)} has no pod spec`);
  return spec;
}

function podLabelsOf(workload: IDeployment | IJob): Record<string, string> {
  return podTemplateOf(workload).metadata?.labels ?? {};
}

function allContainersOf(workload: IDeployment | IJob): IContainer[] {
  const spec = podSpecOf(workload);
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** A probe or Service port (number or name) resolved against a container's declared ports. */
function resolveContainerPort(container: IContainer, port: string | number): number | undefined {
  const ports = container.ports ?? [];
  const found =
    typeof port === 'number'
      ? ports.find((p) => p.containerPort === port)
      : ports.find((p) => p.name === port);
  return found?.containerPort;
}

function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

// ------------------------------------------------------------------------------------------------
// Kubernetes
// ------------------------------------------------------------------------------------------------

describe('deploy/kubernetes', () => {
  let kustomization: Kustomization;
  let objects: KubeObject[];
  let deployments: Map<ServiceName, IDeployment>;
  let configMaps: IConfigMap[];
  let secretTemplate: ISecret;
  let secretTemplateObject: KubeObject;

  beforeAll(() => {
    ({ kustomization, objects } = renderKustomization(KUSTOMIZE_DIR));
    configMaps = ofKind<IConfigMap>(objects, 'ConfigMap');
    deployments = new Map();
    for (const d of ofKind<IDeployment>(objects, 'Deployment')) {
      const containers = podSpecOf(d).containers;
      const svc = SERVICES.find((s) => containers[0]?.args?.includes(entryPointOf(s)));
      if (!svc) throw new Error(`Deployment ${nameOf(d)} runs none of ${SERVICES.join(', ')}`);
      if (deployments.has(svc)) throw new Error(`two Deployments run ${svc}`);
      deployments.set(svc, d);
    }
    const secretDocs = loadManifestFile(path.join(KUSTOMIZE_DIR, 'secret.example.yaml'));
    if (secretDocs.length !== 1) throw new Error('secret.example.yaml must hold one Secret');
    secretTemplateObject = secretDocs[0];
    secretTemplate = secretTemplateObject as unknown as ISecret;
  });

  const deployment = (svc: ServiceName): IDeployment => {
    const d = deployments.get(svc);
    if (!d) throw new Error(`no Deployment runs ${svc}`);
    return d;
  };
  const mainContainer = (svc: ServiceName): IContainer => podSpecOf(deployment(svc)).containers[0];
  const workloads = (): IDeployment[] => [...deployments.values()];

  /** What a container sees in its environment; Secret values come from the example template. */
  function effectiveEnv(container: IContainer): Record<string, string> {
    const secretData = secretTemplate.stringData ?? {};
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) {
        const cm = configMaps.find((c) => nameOf(c) === from.configMapRef?.name);
        if (!cm) throw new Error(`envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
        Object.assign(env, cm.data ?? {});
      } else if (from.secretRef) {
        if (from.secretRef.name !== SECRET_NAME)
          throw new Error(`unknown Secret ${from.secretRef.name}`);
        Object.assign(env, secretData);
      }
    }
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      const secretRef = e.valueFrom?.secretKeyRef;
      const configRef = e.valueFrom?.configMapKeyRef;
      if (secretRef) {
        if (secretRef.name !== SECRET_NAME) throw new Error(`unknown Secret ${secretRef.name}`);
        const value = secretData[secretRef.key];
        if (value === undefined)
          throw new Error(`Secret key ${secretRef.key} is not in the template`);
        env[e.name] = value;
      } else if (configRef) {
        const cm = configMaps.find((c) => nameOf(c) === configRef.name);
        const value = cm?.data?.[configRef.key];
        if (value === undefined)
          throw new Error(`ConfigMap key ${configRef.name}/${configRef.key} missing`);
        env[e.name] = value;
      }
    }
    return env;
  }

  describe('kustomization', () => {
    it('uses only what the test renderer implements: local files, namespace, images', () => {
      expect(KUSTOMIZATION_FIELDS).toEqual(expect.arrayContaining(Object.keys(kustomization)));
      expect(kustomization.namespace).toBe(NAMESPACE);
      expect(kustomization.images).toEqual([{ name: IMAGE_NAME, newTag: expect.any(String) }]);
    });

    it('rejects a kustomization field the renderer does not implement (the guard bites)', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
      try {
        const text = readText(path.join(KUSTOMIZE_DIR, 'kustomization.yaml'));
        fs.writeFileSync(
          path.join(dir, 'kustomization.yaml'),
          `${text}\ncommonLabels:\n  team: identity\n`,
        );
        expect(() => readKustomization(dir)).toThrow(/commonLabels/);
        fs.writeFileSync(
          path.join(dir, 'kustomization.yaml'),
          `${text}\npatches:\n  - path: patch.yaml\n`,
        );
        expect(() => readKustomization(dir)).toThrow(/patches/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('lists every manifest file in the directory (none forgotten), except the Secret example', () => {
      const files = fs
        .readdirSync(KUSTOMIZE_DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .filter((f) => !['kustomization.yaml', 'secret.example.yaml', 'secret.yaml'].includes(f));
      expect([...kustomization.resources].sort()).toEqual(files.sort());
      expect(kustomization.resources).not.toContain('secret.example.yaml');
    });

    it('image override matches the image the manifests name (an unmatched override is a no-op)', () => {
      const raw = kustomization.resources.flatMap((r) =>
        loadManifestFile(path.join(KUSTOMIZE_DIR, r)),
      );
      const images = ofKind<IDeployment | IJob>(raw, 'Deployment')
        .concat(ofKind<IJob>(raw, 'Job'))
        .flatMap(allContainersOf)
        .map((c) => parseImage(c.image ?? '').name);
      expect(images.length).toBeGreaterThan(0);
      for (const override of kustomization.images ?? []) {
        expect(images).toContain(override.name);
      }
      expect(new Set(images)).toEqual(new Set([IMAGE_NAME]));
    });

    it('renders every namespaced object into the latchkey namespace, exactly once', () => {
      for (const o of objects) {
        if (o.kind === 'Namespace') expect(o.metadata.name).toBe(NAMESPACE);
        else
          expect({ id: idOf(o), ns: o.metadata.namespace }).toEqual({ id: idOf(o), ns: NAMESPACE });
      }
      const kinds = objects.map((o) => o.kind);
      const count = (k: string) => kinds.filter((x) => x === k).length;
      expect(count('Namespace')).toBe(1);
      expect(count('Deployment')).toBe(SERVICES.length);
      // A metrics Service per service, the gateway's edge and admin-plane Services, and the token
      // service's own HTTP Service for the routed endpoints.
      expect(count('Service')).toBe(SERVICES.length + 3);
      expect(count('PodDisruptionBudget')).toBe(SERVICES.length);
      expect(count('HorizontalPodAutoscaler')).toBe(SERVICES.length);
      // Migrations run in each Deployment's init container, not in a Job applied by hand.
      expect(count('Job')).toBe(0);
      expect(count('Ingress')).toBe(1);
      expect(count('NetworkPolicy')).toBeGreaterThanOrEqual(3);
      expect(count('Secret')).toBe(0);
    });
  });

  describe('Kubernetes API schemas', () => {
    it('every rendered object is valid: types, required fields, enums, formats, no unknown field', () => {
      expect(validateObjects(objects)).toEqual({});
    }, 60_000);

    it('the validator bites: misspelled fields, wrong types, missing fields, unknown kinds', () => {
      const gateway = objects.find((o) => o.kind === 'Deployment') as KubeObject;
      const service = objects.find((o) => o.kind === 'Service') as KubeObject;
      const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler') as KubeObject;

      const misspelled = clone(gateway) as unknown as IDeployment;
      const sc = podSpecOf(misspelled).containers[0].securityContext as Record<string, unknown>;
      sc.readOnlyRootFileSystem = sc.readOnlyRootFilesystem;
      delete sc.readOnlyRootFilesystem;

      const misspelledService = clone(service);
      (misspelledService.spec as Record<string, unknown>).selectors = {};

      const misspelledHpa = clone(hpa) as unknown as IHorizontalPodAutoscaler;
      const target = misspelledHpa.spec?.metrics?.[0].resource?.target as unknown as Record<
        string,
        unknown
      >;
      target.averageUtilisation = 70;

      const topLevel = clone(service);
      topLevel.specs = {};

      const strict = unknownFieldErrors([
        misspelled as unknown as KubeObject,
        misspelledService,
        misspelledHpa as unknown as KubeObject,
        topLevel,
      ]);
      expect(strict[0].join('\n')).toMatch(/readOnlyRootFileSystem/);
      expect(strict[1].join('\n')).toMatch(/selectors/);
      expect(strict[2].join('\n')).toMatch(/averageUtilisation/);
      expect(strict[3].join('\n')).toMatch(/specs/);

      const wrongType = clone(gateway);
      (wrongType.spec as Record<string, unknown>).replicas = 'two';
      expect(schemaErrors(wrongType).join('\n')).toMatch(/replicas must be integer/);

      const missingName = clone(gateway) as unknown as IDeployment;
      delete (podSpecOf(missingName).containers[0] as Partial<IContainer>).name;
      expect(schemaErrors(missingName as unknown as KubeObject).join('\n')).toMatch(
        /required property name/,
      );

      const badEnum = clone(gateway) as unknown as IDeployment;
      (podSpecOf(badEnum).containers[0] as unknown as Record<string, unknown>).imagePullPolicy =
        'Sometimes';
      expect(schemaErrors(badEnum as unknown as KubeObject).join('\n')).toMatch(/allowed values/);

      const unknownKind = { ...clone(service), kind: 'Servise' };
      expect(validateObjects([unknownKind])).toEqual({
        [idOf(unknownKind)]: expect.arrayContaining([
          expect.stringMatching(/no Kubernetes schema/),
        ]),
      });
    }, 60_000);
  });

  describe('workloads', () => {
    it('one Deployment per service, running its entry point as args under the image ENTRYPOINT', () => {
      expect([...deployments.keys()].sort()).toEqual([...SERVICES].sort());
      for (const svc of SERVICES) {
        const containers = podSpecOf(deployment(svc)).containers;
        expect(containers).toHaveLength(1);
        // `command` would replace the ENTRYPOINT (tini) and leave Node as PID 1 without signals.
        expect(containers[0].command).toBeUndefined();
        expect(containers[0].args).toEqual(['node', entryPointOf(svc)]);
      }
    });

    it('runs the one pinned image everywhere, as the kustomization sets it', () => {
      const override = kustomization.images?.find((i) => i.name === IMAGE_NAME);
      const expected = `${override?.newName ?? IMAGE_NAME}:${override?.newTag}`;
      for (const w of workloads()) {
        for (const c of allContainersOf(w)) {
          expect({ container: c.name, image: c.image }).toEqual({
            container: c.name,
            image: expected,
          });
          expect(isPinnedImage(c.image ?? '')).toBe(true);
          expect(c.imagePullPolicy).not.toBe('Always');
        }
      }
    });

    it('every container has cpu and memory requests and limits, requests within limits', () => {
      for (const w of workloads()) {
        for (const c of allContainersOf(w)) {
          const where = `${nameOf(w)}/${c.name}`;
          for (const resource of ['cpu', 'memory']) {
            const request = c.resources?.requests?.[resource];
            const limit = c.resources?.limits?.[resource];
            expect({ where, resource, request }).toEqual({
              where,
              resource,
              request: expect.anything(),
            });
            expect({ where, resource, limit }).toEqual({
              where,
              resource,
              limit: expect.anything(),
            });
            expect(parseQuantity(request as string)).toBeLessThanOrEqual(
              parseQuantity(limit as string),
            );
          }
        }
      }
    });

    it('probes: startup and liveness on /healthz, readiness on /readyz, on the service port', () => {
      for (const svc of SERVICES) {
        const c = mainContainer(svc);
        const port = httpPortOf(svc);
        const probes = {
          startup: c.startupProbe,
          liveness: c.livenessProbe,
          readiness: c.readinessProbe,
        };
        const paths = { startup: '/healthz', liveness: '/healthz', readiness: '/readyz' };
        for (const [kind, probe] of Object.entries(probes)) {
          const get = probe?.httpGet;
          expect({ svc, kind, path: get?.path }).toEqual({
            svc,
            kind,
            path: paths[kind as keyof typeof paths],
          });
          expect({ svc, kind, port: resolveContainerPort(c, get?.port ?? -1) }).toEqual({
            svc,
            kind,
            port,
          });
        }
        // Readiness probes every backend with a 2 s budget (platform HealthController).
        expect(c.readinessProbe?.timeoutSeconds ?? 1).toBeGreaterThanOrEqual(3);
        // A slow boot (migrations checked, NATS connected) must not be killed by liveness.
        const startup = c.startupProbe ?? {};
        expect(
          (startup.failureThreshold ?? 3) * (startup.periodSeconds ?? 10),
        ).toBeGreaterThanOrEqual(30);
        const ports = svc === Services.Gateway ? [port, ADMIN_PLANE_PORT] : [port];
        expect(c.ports?.map((p) => p.containerPort)).toEqual(ports);
      }
    });

    it('security context: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
      const namespace = ofKind<INamespace>(objects, 'Namespace')[0];
      expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const accounts = ofKind<IServiceAccount>(objects, 'ServiceAccount').map(nameOf);
      for (const w of workloads()) {
        const pod = podSpecOf(w);
        const where = nameOf(w);
        expect({ where, automount: pod.automountServiceAccountToken }).toEqual({
          where,
          automount: false,
        });
        expect(accounts).toContain(pod.serviceAccountName);
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        // uid 1000 is `node` in the image; a numeric uid lets the kubelet verify runAsNonRoot.
        expect(pod.securityContext?.runAsUser).toBe(1000);
        expect(pod.hostNetwork ?? false).toBe(false);
        expect(pod.hostPID ?? false).toBe(false);
        expect(pod.hostIPC ?? false).toBe(false);
        expect((pod.volumes ?? []).filter((v) => v.hostPath)).toEqual([]);
        for (const c of allContainersOf(w)) {
          const sc = c.securityContext ?? {};
          const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
          expect({
            where: `${where}/${c.name}`,
            runAsNonRoot: sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
            runAsUser: sc.runAsUser ?? pod.securityContext?.runAsUser,
            readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
            allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
            privileged: sc.privileged ?? false,
            drop: sc.capabilities?.drop,
            add: sc.capabilities?.add ?? [],
            seccomp,
          }).toEqual({
            where: `${where}/${c.name}`,
            runAsNonRoot: true,
            runAsUser: 1000,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            drop: ['ALL'],
            add: [],
            seccomp: 'RuntimeDefault',
          });
        }
      }
    });

    it('graceful shutdown: grace period >= 30 s covers the preStop sleep and the drain', () => {
      const drainMs = Number(
        configMaps.find((c) => c.data?.SHUTDOWN_TIMEOUT_MS)?.data?.SHUTDOWN_TIMEOUT_MS,
      );
      expect(drainMs).toBeGreaterThan(0);
      for (const svc of SERVICES) {
        const pod = podSpecOf(deployment(svc));
        const grace = pod.terminationGracePeriodSeconds ?? 30;
        expect(grace).toBeGreaterThanOrEqual(30);
        const preStop = mainContainer(svc).lifecycle?.preStop;
        const sleep = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command?.[1]);
        if (!preStop?.sleep) expect(preStop?.exec?.command?.[0]).toBe('sleep');
        expect(sleep).toBeGreaterThan(0);
        expect(sleep).toBeLessThanOrEqual(15);
        expect(sleep + drainMs / 1000).toBeLessThan(grace);
      }
    });

    it('spreads replicas across nodes (topology spread or preferred anti-affinity on hostname)', () => {
      for (const svc of SERVICES) {
        const d = deployment(svc);
        const pod = podSpecOf(d);
        const labels = podLabelsOf(d);
        const spread = (pod.topologySpreadConstraints ?? []).some(
          (t) =>
            t.topologyKey === 'kubernetes.io/hostname' &&
            t.whenUnsatisfiable === 'ScheduleAnyway' &&
            selectorMatches(t.labelSelector, labels),
        );
        const antiAffinity = (
          pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
        ).some(
          (t) =>
            t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' &&
            selectorMatches(t.podAffinityTerm.labelSelector, labels),
        );
        expect({ svc, spread: spread || antiAffinity }).toEqual({ svc, spread: true });
      }
    });

    it('pods are annotated for Prometheus on their metrics port', () => {
      for (const svc of SERVICES) {
        const annotations = podTemplateOf(deployment(svc)).metadata?.annotations ?? {};
        expect({ svc, annotations }).toEqual({
          svc,
          annotations: expect.objectContaining({
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(metricsPortOf(svc)),
            'prometheus.io/path': '/metrics',
          }),
        });
      }
    });
  });

  describe('configuration and secrets', () => {
    it('no secret value in a workload: credentials come from the Secret, by reference only', () => {
      for (const w of workloads()) {
        for (const c of allContainersOf(w)) {
          for (const e of c.env ?? []) {
            const where = `${nameOf(w)}/${c.name} ${e.name}`;
            if (SECRET_ENV.test(e.name)) {
              expect({ where, secretKeyRef: e.valueFrom?.secretKeyRef?.name }).toEqual({
                where,
                secretKeyRef: SECRET_NAME,
              });
            }
            expect({ where, value: e.value ?? '' }).toEqual({
              where,
              value: expect.not.stringMatching(CREDENTIALS_IN_URL),
            });
            const sources = Object.keys(e.valueFrom ?? {});
            expect(
              sources.every((s) => ['secretKeyRef', 'configMapKeyRef', 'fieldRef'].includes(s)),
            ).toBe(true);
          }
          for (const from of c.envFrom ?? []) {
            expect(
              Object.keys(from).every((k) => ['configMapRef', 'secretRef', 'prefix'].includes(k)),
            ).toBe(true);
          }
        }
      }
      for (const cm of configMaps) {
        for (const [key, value] of Object.entries(cm.data ?? {})) {
          expect({ key, secretLike: SECRET_ENV.test(key) }).toEqual({ key, secretLike: false });
          expect(value).not.toMatch(CREDENTIALS_IN_URL);
        }
      }
    });

    it('the Secret is a template: not rendered, placeholders only, exactly the keys the workloads read', () => {
      expect(validateObjects([secretTemplateObject])).toEqual({});
      expect(nameOf(secretTemplate)).toBe(SECRET_NAME);
      expect(secretTemplate.metadata?.namespace).toBe(NAMESPACE);
      expect(secretTemplate.data).toBeUndefined();
      const values = secretTemplate.stringData ?? {};
      for (const [key, value] of Object.entries(values)) {
        expect({ key, value }).toEqual({ key, value: expect.stringContaining('REPLACE-ME') });
      }
      const referenced = new Set(
        workloads()
          .flatMap(allContainersOf)
          .flatMap((c) => c.env ?? [])
          .map((e) => e.valueFrom?.secretKeyRef)
          .filter((r) => r !== undefined)
          .map((r) => {
            expect(r.name).toBe(SECRET_NAME);
            return r.key;
          }),
      );
      expect([...referenced].sort()).toEqual(Object.keys(values).sort());
      expect(readText(path.join(KUSTOMIZE_DIR, '.gitignore'))).toMatch(/^secret\.yaml$/m);
    });

    it('each service gets the environment docs/architecture.md §4 asks for, and the real config loader accepts it', () => {
      const known = platformEnvNames();
      for (const svc of SERVICES) {
        const c = mainContainer(svc);
        const env = effectiveEnv(c);
        for (const name of Object.keys(env)) {
          expect({ svc, name, known: known.has(name) }).toEqual({ svc, name, known: true });
        }
        expect(Object.keys(env)).toEqual(expect.arrayContaining(COMMON_ENV));
        // Only the services that seal secrets at rest hold the key: the token service (signing
        // keys) and the client registry (identity providers' secrets).
        expect({ svc, kek: 'KEY_ENCRYPTION_KEY' in env }).toEqual({
          svc,
          kek: KEK_HOLDERS.has(svc),
        });
        const config = loadConfig(env, { require: requiredSettingsOf(svc) });
        if (svc === Services.Gateway) expect(config.port).toBe(httpPortOf(svc));
        else expect(config.healthPort).toBe(httpPortOf(svc));
        expect(config.issuer).toMatch(/^https:\/\//);
      }
      expect(Object.keys(effectiveEnv(mainContainer(Services.Gateway)))).toEqual(
        expect.arrayContaining(['ADMIN_CLIENT_ID', 'ADMIN_CLIENT_SECRET']),
      );
    });
  });

  describe('services, budgets, autoscaling', () => {
    const services = () => ofKind<IService>(objects, 'Service');

    it('each Deployment is selected by its Services, whose ports target container ports', () => {
      for (const svc of SERVICES) {
        const selecting = services().filter((s) =>
          serviceSelectorMatches(s.spec?.selector, podLabelsOf(deployment(svc))),
        );
        const shapes = selecting
          .map((s) => ({
            headless: s.spec?.clusterIP === 'None',
            ports: (s.spec?.ports ?? []).map((p) => ({
              name: p.name,
              port: p.port,
              target: resolveContainerPort(mainContainer(svc), p.targetPort ?? p.port),
            })),
          }))
          .sort((a, b) => Number(a.headless) - Number(b.headless));
        // The edge Service the Ingress routes to, where the service has public paths; a headless
        // one for Prometheus to discover every internal pod's metrics port.
        const edge = {
          headless: false,
          ports: [{ name: 'http', port: 80, target: httpPortOf(svc) }],
        };
        const metrics = {
          headless: true,
          ports: [{ name: 'metrics', port: metricsPortOf(svc), target: metricsPortOf(svc) }],
        };
        // The gateway's admin plane: reached inside the cluster only (no Ingress names it).
        const adminPlane = {
          headless: false,
          ports: [{ name: 'admin', port: ADMIN_PLANE_PORT, target: ADMIN_PLANE_PORT }],
        };
        const expected =
          svc === Services.Gateway
            ? [edge, adminPlane, metrics]
            : svc === Services.Token
              ? [edge, metrics]
              : [metrics];
        expect({ svc, shapes }).toEqual({ svc, shapes: expected });
      }
      for (const s of services()) {
        const selected = workloads().filter((w) =>
          serviceSelectorMatches(s.spec?.selector, podLabelsOf(w)),
        );
        expect({ service: nameOf(s), selected: selected.length }).toEqual({
          service: nameOf(s),
          selected: 1,
        });
      }
    });

    it('every Deployment has exactly one PodDisruptionBudget with minAvailable 1', () => {
      const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
      for (const svc of SERVICES) {
        const matching = pdbs.filter((p) =>
          selectorMatches(p.spec?.selector, podLabelsOf(deployment(svc))),
        );
        expect({ svc, pdbs: matching.length }).toEqual({ svc, pdbs: 1 });
        expect(matching[0].spec?.minAvailable).toBe(1);
      }
      for (const p of pdbs) {
        const selected = workloads().filter((w) =>
          selectorMatches(p.spec?.selector, podLabelsOf(w)),
        );
        expect({ pdb: nameOf(p), selected: selected.length }).toEqual({
          pdb: nameOf(p),
          selected: 1,
        });
      }
    });

    it('every Deployment has one CPU-70% autoscaler (min 2) targeting it; the HPA owns replicas', () => {
      const hpas = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
      const names = [...deployments.values()].map(nameOf);
      for (const h of hpas) {
        const ref = h.spec?.scaleTargetRef;
        expect({ hpa: nameOf(h), apiVersion: ref?.apiVersion, kind: ref?.kind }).toEqual({
          hpa: nameOf(h),
          apiVersion: 'apps/v1',
          kind: 'Deployment',
        });
        expect(names).toContain(ref?.name);
        expect(h.spec?.minReplicas).toBeGreaterThanOrEqual(2);
        expect(h.spec?.maxReplicas).toBeGreaterThan(h.spec?.minReplicas ?? 1);
        expect(h.spec?.metrics).toEqual(
          expect.arrayContaining([
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ]),
        );
      }
      for (const svc of SERVICES) {
        const d = deployment(svc);
        expect(hpas.filter((h) => h.spec?.scaleTargetRef.name === nameOf(d))).toHaveLength(1);
        // A fixed count would reset the autoscaler's choice on every apply.
        expect({ svc, replicas: d.spec?.replicas }).toEqual({ svc, replicas: undefined });
        expect(d.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
      }
    });
  });

  describe('migrations', () => {
    // Replicas starting together take turns on an advisory lock (libs/persistence
    // data-source.factory.int-spec.ts proves it against Postgres), so every pod may migrate.
    it('each Deployment migrates its own schema in an init container before the service starts', () => {
      for (const svc of SERVICES) {
        const spec = podSpecOf(deployment(svc));
        const inits = spec.initContainers ?? [];
        expect({ svc, inits: inits.map((c) => c.name) }).toEqual({ svc, inits: ['migrate'] });
        const migrate = inits[0];
        expect(migrate.command).toBeUndefined();
        expect(migrate.args).toEqual(['node', entryPointOf(svc), 'migrate']);
        expect(migrate.image).toBe(mainContainer(svc).image);
        // The same configuration as the service, and what `main.js migrate` requires.
        expect(migrate.envFrom).toEqual(mainContainer(svc).envFrom);
        const env = effectiveEnv(migrate);
        expect(() => loadConfig(env, { require: ['database'] })).not.toThrow();
        expect(env.DATABASE_URL).toBe(effectiveEnv(mainContainer(svc)).DATABASE_URL);
      }
    });
  });

  describe('ingress and network policies', () => {
    const ingress = (): IIngress => ofKind<IIngress>(objects, 'Ingress')[0];
    const issuerHost = (): string =>
      new URL(effectiveEnv(mainContainer(Services.Gateway)).ISSUER).hostname;
    const ingressPaths = () => (ingress().spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);

    /** The non-headless Services in front of a service's pods: what an Ingress backend names. */
    const edgeServicesOf = (svc: ServiceName): IService[] =>
      ofKind<IService>(objects, 'Service').filter(
        (s) =>
          s.spec?.clusterIP !== 'None' &&
          serviceSelectorMatches(s.spec?.selector, podLabelsOf(deployment(svc))),
      );

    /** The service and container port a request for `path` reaches through the Ingress. */
    function routedTo(path: string): { svc?: ServiceName; containerPort?: number } {
      const backend = ingressBackendFor(ingress(), issuerHost(), path)?.service;
      for (const svc of SERVICES) {
        const service = edgeServicesOf(svc).find((s) => nameOf(s) === backend?.name);
        if (!service) continue;
        // By name only: a numbered backend port would silently follow a renumbered Service.
        const port = (service.spec?.ports ?? []).find(
          (sp) => backend?.port?.name !== undefined && sp.name === backend.port.name,
        );
        return {
          svc,
          containerPort:
            port && resolveContainerPort(mainContainer(svc), port.targetPort ?? port.port),
        };
      }
      return {};
    }

    it('the Ingress serves the issuer host over TLS, every path to a named port of an edge Service', () => {
      expect(ofKind<IIngress>(objects, 'Ingress')).toHaveLength(1);
      expect(ingress().spec?.ingressClassName).toEqual(expect.any(String));
      const tlsHosts = (ingress().spec?.tls ?? []).flatMap((t) => {
        expect(t.secretName).toEqual(expect.any(String));
        return t.hosts ?? [];
      });
      const issuer = new URL(effectiveEnv(mainContainer(Services.Gateway)).ISSUER);
      expect(issuer.protocol).toBe('https:');
      const rules = ingress().spec?.rules ?? [];
      expect(rules.map((r) => r.host)).toEqual([issuer.hostname]);
      for (const rule of rules) expect(tlsHosts).toContain(rule.host);
      for (const p of ingressPaths()) {
        expect({ path: p.path, port: routedTo(p.path ?? '/').containerPort }).toEqual({
          path: p.path,
          port: expect.any(Number),
        });
      }
      expect(ingress().spec?.defaultBackend).toBeUndefined();
    });

    it('routes exactly the token endpoints (Exact) to the token service, on the port it serves them on', () => {
      const endpoints = oauthEndpointPaths();
      expect(endpoints).toEqual(
        ['/.well-known/jwks.json', '/introspect', '/revoke', '/token'].sort(),
      );
      const tokenServices = edgeServicesOf(Services.Token).map(nameOf);
      const toToken = ingressPaths().filter((p) =>
        tokenServices.includes(p.backend.service?.name ?? ''),
      );
      expect(
        toToken
          .map((p) => ({ path: p.path, pathType: p.pathType }))
          .sort((x, y) => (x.path ?? '').localeCompare(y.path ?? '')),
      ).toEqual(endpoints.map((path) => ({ path, pathType: 'Exact' })));
      const env = effectiveEnv(mainContainer(Services.Token));
      const listening = loadConfig(env, { require: requiredSettingsOf(Services.Token) }).healthPort;
      for (const path of endpoints) {
        expect({ path, ...routedTo(path) }).toEqual({
          path,
          svc: Services.Token,
          containerPort: listening,
        });
      }
    });

    it("everything else reaches the gateway: never the token service's health, metrics or a lookalike", () => {
      const gatewayPort = httpPortOf(Services.Gateway);
      expect(ingressPaths().some((p) => p.path === '/' && p.pathType === 'Prefix')).toBe(true);
      for (const path of [
        '/',
        '/authorize',
        '/.well-known/openid-configuration',
        '/metrics',
        '/healthz',
        '/readyz',
        '/token/',
        '/token/x',
        '/tokens',
        '/revoke/all',
        '/.well-known/jwks.json/x',
        '/admin/clients',
      ]) {
        expect({ path, ...routedTo(path) }).toEqual({
          path,
          svc: Services.Gateway,
          containerPort: gatewayPort,
        });
      }
    });

    it('the route matcher bites: Exact beats Prefix, Prefix matches whole elements only', () => {
      const backend = (name: string) => ({ service: { name, port: { name: 'http' } } });
      const probe: IIngress = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'probe' },
        spec: {
          rules: [
            {
              host: 'h',
              http: {
                paths: [
                  { path: '/', pathType: 'Prefix', backend: backend('root') },
                  { path: '/a', pathType: 'Exact', backend: backend('exact') },
                  { path: '/a/b', pathType: 'Prefix', backend: backend('prefix') },
                ],
              },
            },
          ],
        },
      };
      const at = (p: string) => ingressBackendFor(probe, 'h', p)?.service?.name;
      expect(['/a', '/a/', '/ab', '/a/b', '/a/b/c', '/a/bc'].map(at)).toEqual([
        'exact',
        'root',
        'root',
        'prefix',
        'prefix',
        'root',
      ]);
      expect(ingressBackendFor(probe, 'other', '/a')).toBeUndefined();
    });

    /** What may reach a pod, as "port from peer" strings; undefined when the pod is not isolated. */
    function allowedIngress(w: IDeployment): Set<string> | undefined {
      const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter(
        (p) =>
          (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress') &&
          selectorMatches(p.spec?.podSelector, podLabelsOf(w)),
      );
      if (policies.length === 0) return undefined;
      const container = podSpecOf(w).containers[0];
      const allowed = new Set<string>();
      for (const rule of policies.flatMap((p) => p.spec?.ingress ?? [])) {
        const ports = rule.ports?.length
          ? rule.ports.map((p) =>
              p.port === undefined
                ? '*'
                : String(resolveContainerPort(container, p.port) ?? p.port),
            )
          : ['*'];
        const peers = rule.from?.length
          ? rule.from.map((peer) => {
              if (peer.ipBlock) return `ip ${peer.ipBlock.cidr}`;
              const ns = peer.namespaceSelector;
              const nsName = ns
                ? (ns.matchLabels?.['kubernetes.io/metadata.name'] ??
                  `namespaces ${JSON.stringify(ns)}`)
                : NAMESPACE;
              return peer.podSelector
                ? `${nsName} pods ${JSON.stringify(peer.podSelector)}`
                : `namespace ${nsName}`;
            })
          : ['*'];
        for (const port of ports) for (const peer of peers) allowed.add(`${port} from ${peer}`);
      }
      return allowed;
    }

    it('ingress is denied by default; the edge ports from the ingress controller; internal 9090 from monitoring only', () => {
      const defaultDeny = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter(
        (p) =>
          Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
          (p.spec?.policyTypes ?? []).includes('Ingress') &&
          (p.spec?.ingress ?? []).length === 0,
      );
      expect(defaultDeny).toHaveLength(1);

      const gateway = [...(allowedIngress(deployment(Services.Gateway)) ?? ['not isolated'])];
      // The admin plane: Prometheus, and the pods labelled as admin clients, nothing else.
      const adminPlane = gateway.filter((a) => a.startsWith(`${ADMIN_PLANE_PORT} `)).sort();
      expect(adminPlane).toEqual(
        [
          `${ADMIN_PLANE_PORT} from namespace monitoring`,
          `${ADMIN_PLANE_PORT} from ${NAMESPACE} pods {"matchLabels":{"latchkey.io/admin-client":"true"}}`,
        ].sort(),
      );
      // The public port: the ingress controller's namespace, whatever it is, and nothing else.
      const edge = gateway.filter((a) => !adminPlane.includes(a));
      expect(edge.every((a) => /^8080 from namespace [a-z0-9-]+$/.test(a))).toBe(true);
      const controllers = edge.map((a) => a.replace(/^8080 from namespace /, ''));
      expect(controllers.length).toBeGreaterThan(0);
      expect(controllers).not.toContain('monitoring');
      expect(controllers).not.toContain(NAMESPACE);

      // The container port the token endpoints are routed to, from the controller as the
      // gateway's is, and from monitoring.
      const tokenPort = routedTo(oauthEndpointPaths()[0]).containerPort;
      expect(tokenPort).toEqual(expect.any(Number));
      const token = allowedIngress(deployment(Services.Token));
      expect(token && [...token].sort()).toEqual(
        [...controllers, 'monitoring'].map((ns) => `${tokenPort} from namespace ${ns}`).sort(),
      );

      for (const svc of INTERNAL.filter((s) => s !== Services.Token)) {
        const allowed = allowedIngress(deployment(svc));
        expect({ svc, allowed: allowed && [...allowed] }).toEqual({
          svc,
          allowed: ['9090 from namespace monitoring'],
        });
      }
    });

    /** Where a pod may connect, as "port to peer" strings; undefined when it is not isolated. */
    function allowedEgress(w: IDeployment): Set<string> | undefined {
      const policies = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter(
        (p) =>
          (p.spec?.policyTypes ?? []).includes('Egress') &&
          selectorMatches(p.spec?.podSelector, podLabelsOf(w)),
      );
      if (policies.length === 0) return undefined;
      const allowed = new Set<string>();
      for (const rule of policies.flatMap((p) => p.spec?.egress ?? [])) {
        const ports = rule.ports?.length
          ? rule.ports.map((p) => `${p.protocol ?? 'TCP'}/${p.port ?? '*'}`)
          : ['*'];
        const peers = rule.to?.length
          ? rule.to.map((peer) =>
              peer.ipBlock
                ? `ip ${peer.ipBlock.cidr}`
                : `${peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? NAMESPACE} ${JSON.stringify(peer.podSelector?.matchLabels ?? {})}`,
            )
          : ['*'];
        for (const port of ports) for (const peer of peers) allowed.add(`${port} to ${peer}`);
      }
      return allowed;
    }

    it('egress is denied by default: DNS, the three backends, and HTTPS where a service calls out', () => {
      const defaultDeny = ofKind<INetworkPolicy>(objects, 'NetworkPolicy').filter(
        (p) =>
          Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
          (p.spec?.policyTypes ?? []).includes('Egress') &&
          (p.spec?.egress ?? []).length === 0,
      );
      expect(defaultDeny).toHaveLength(1);
      const dns = ['UDP/53', 'TCP/53'].map((p) => `${p} to kube-system {"k8s-app":"kube-dns"}`);
      const backends = ['TCP/5432', 'TCP/6379', 'TCP/4222'].map((p) => `${p} to *`);
      for (const svc of SERVICES) {
        const callsOut = svc !== Services.Audit;
        const expected = [...dns, ...backends, ...(callsOut ? ['TCP/443 to *'] : [])].sort();
        const allowed = allowedEgress(deployment(svc));
        expect({ svc, allowed: allowed && [...allowed].sort() }).toEqual({
          svc,
          allowed: expected,
        });
      }
    });

    it('the admin plane is never on the public Ingress', () => {
      const gatewayEnv = effectiveEnv(mainContainer(Services.Gateway));
      expect(Number(gatewayEnv.ADMIN_PORT)).toBe(ADMIN_PLANE_PORT);
      expect(resolveContainerPort(mainContainer(Services.Gateway), 'admin')).toBe(ADMIN_PLANE_PORT);
      const adminServices = new Set(
        ofKind<IService>(objects, 'Service')
          .filter((s) =>
            (s.spec?.ports ?? []).some(
              (p) =>
                resolveContainerPort(mainContainer(Services.Gateway), p.targetPort ?? p.port) ===
                ADMIN_PLANE_PORT,
            ),
          )
          .map(nameOf),
      );
      expect(adminServices.size).toBeGreaterThan(0);
      for (const p of ingressPaths()) {
        expect({ path: p.path, service: p.backend.service?.name }).toEqual({
          path: p.path,
          service: expect.not.stringMatching(new RegExp(`^(${[...adminServices].join('|')})$`)),
        });
      }
      for (const route of ['/admin', '/admin/users', '/admin/openapi.json', '/metrics']) {
        expect({ route, port: routedTo(route).containerPort }).toEqual({
          route,
          port: httpPortOf(Services.Gateway),
        });
      }
    });
  });
});

// ------------------------------------------------------------------------------------------------
// Compose
// ------------------------------------------------------------------------------------------------

describe('deploy/compose.yaml', () => {
  let compose: ComposeFile;
  const BACKENDS = {
    postgres: /^postgres:16(\b|[.-])/,
    redis: /^redis:7(\b|[.-])/,
    nats: /^nats:2(\b|[.-])/,
  };

  beforeAll(() => {
    compose = loadCompose(path.join(DEPLOY_DIR, 'compose.yaml'));
  });

  const service = (name: string) => {
    const s = compose.services[name];
    if (!s) throw new Error(`compose has no service ${name}`);
    return s;
  };

  it('runs postgres:16, redis:7 and nats:2 with JetStream, each with a health check', () => {
    for (const [name, image] of Object.entries(BACKENDS)) {
      const s = service(name);
      expect({ name, image: s.image }).toEqual({ name, image: expect.stringMatching(image) });
      const test = s.healthcheck?.test;
      expect({ name, test }).toEqual({ name, test: expect.anything() });
      expect(Array.isArray(test) ? test[0] : test).not.toBe('NONE');
      expect(s.healthcheck?.disable ?? false).toBe(false);
    }
    expect(commandOf(service('nats'))).toContain('-js');
  });

  it('one migration service runs every service migration once Postgres is healthy', () => {
    const migrate = service('migrate');
    const script = commandOf(migrate).join('\n');
    for (const svc of SERVICES) expect(script).toContain(`node ${entryPointOf(svc)} migrate`);
    if (commandOf(migrate)[0] === 'sh') expect(commandOf(migrate)[1]).toMatch(/^-\w*e\w*$/);
    expect(dependenciesOf(migrate)).toEqual({ postgres: 'service_healthy' });
    expect(migrate.restart ?? 'no').toBe('no');
    expect(() => loadConfig(environmentOf(migrate), { require: ['database'] })).not.toThrow();
  });

  it('the four services run from the migration image, built from deploy/Dockerfile', () => {
    const image = service('migrate').image;
    expect(image).toEqual(expect.any(String));
    for (const svc of SERVICES) {
      const s = service(svc);
      expect({ svc, image: s.image }).toEqual({ svc, image });
      expect(commandOf(s)).toEqual(['node', entryPointOf(svc)]);
      const build = typeof s.build === 'string' ? { context: s.build } : (s.build ?? {});
      expect(path.resolve(DEPLOY_DIR, build.context ?? '.')).toBe(ROOT);
      expect(path.resolve(ROOT, build.dockerfile ?? 'Dockerfile')).toBe(
        path.join(DEPLOY_DIR, 'Dockerfile'),
      );
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
    }
  });

  it('services start after the migration completed and the backends are healthy', () => {
    for (const svc of SERVICES) {
      expect({ svc, deps: dependenciesOf(service(svc)) }).toEqual({
        svc,
        deps: {
          migrate: 'service_completed_successfully',
          postgres: 'service_healthy',
          redis: 'service_healthy',
          nats: 'service_healthy',
        },
      });
    }
  });

  it('only the gateway is published: port 8080, and its admin plane 8081 on loopback', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      const ports = publishedPorts(s);
      if (name === Services.Gateway) {
        expect(ports.map((p) => ({ published: p.published, target: p.target }))).toEqual([
          { published: 8080, target: 8080 },
          { published: 8081, target: 8081 },
        ]);
      } else {
        expect({ name, ports }).toEqual({ name, ports: [] });
      }
    }
  });

  it('each service gets the environment docs/architecture.md §4 asks for, and the real config loader accepts it', () => {
    const known = platformEnvNames();
    const postgres = environmentOf(service('postgres'));
    for (const svc of SERVICES) {
      const s = service(svc);
      const env = environmentOf(s);
      for (const name of Object.keys(env)) {
        expect({ svc, name, known: known.has(name) }).toEqual({ svc, name, known: true });
      }
      expect(Object.keys(env)).toEqual(expect.arrayContaining(COMMON_ENV));
      expect({ svc, kek: 'KEY_ENCRYPTION_KEY' in env }).toEqual({
        svc,
        kek: KEK_HOLDERS.has(svc),
      });
      const config = loadConfig(env, { require: requiredSettingsOf(svc) });
      const port = svc === Services.Gateway ? config.port : config.healthPort;
      expect(port).toBe(httpPortOf(svc));
      // The health check asks the port the service really listens on.
      expect(JSON.stringify(s.healthcheck?.test ?? [])).toContain(`127.0.0.1:${port}/readyz`);
      expect(config.issuer).toBe(
        `http://localhost:${publishedPorts(service(Services.Gateway))[0].published}`,
      );
      const db = new URL(config.databaseUrl ?? '');
      expect([db.hostname, db.username, db.password, db.pathname]).toEqual([
        'postgres',
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
      expect(new URL(config.redisUrl ?? '').hostname).toBe('redis');
      expect(new URL(config.natsUrl ?? '').hostname).toBe('nats');
    }
  });

  it('gives each service the same variables as its Kubernetes Deployment', () => {
    const { objects } = renderKustomization(KUSTOMIZE_DIR);
    const configMapKeys = ofKind<IConfigMap>(objects, 'ConfigMap').flatMap((c) =>
      Object.keys(c.data ?? {}),
    );
    for (const svc of SERVICES) {
      const d = ofKind<IDeployment>(objects, 'Deployment').find((x) =>
        podSpecOf(x).containers[0].args?.includes(entryPointOf(svc)),
      );
      const c = d ? podSpecOf(d).containers[0] : undefined;
      const k8s = new Set([
        ...(c?.env ?? []).map((e) => e.name),
        ...((c?.envFrom ?? []).some((f) => f.configMapRef) ? configMapKeys : []),
      ]);
      const local = new Set(Object.keys(environmentOf(service(svc))));
      expect({ svc, names: [...local].sort() }).toEqual({ svc, names: [...k8s].sort() });
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Dockerfile
// ------------------------------------------------------------------------------------------------

describe('deploy/Dockerfile', () => {
  let dockerfile: Dockerfile;
  let runtime: Stage;
  let build: Stage;

  const runs = (stage: Stage) =>
    stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  beforeAll(() => {
    dockerfile = parseDockerfile(readText(path.join(DEPLOY_DIR, 'Dockerfile')));
    runtime = dockerfile.stages[dockerfile.stages.length - 1];
    const builders = dockerfile.stages.filter((s) =>
      runs(s).some((r) => /\bnpm run build\b/.test(r)),
    );
    if (builders.length !== 1) throw new Error('expected one stage that runs `npm run build`');
    build = builders[0];
  });

  it('is multi-stage on a pinned, Debian-based slim Node image (no latest)', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(build).not.toBe(runtime);
    for (const stage of dockerfile.stages) {
      const { name, tag, digest } = parseImage(stage.image);
      expect(name).toMatch(/^(docker\.io\/)?(library\/)?node$/);
      expect(isPinnedImage(stage.image)).toBe(true);
      expect(digest === undefined || tag !== undefined).toBe(true);
      // Debian (glibc): argon2 and other native modules load their prebuilt binaries.
      expect(tag).toMatch(/^\d+(\.\d+){0,2}-(bookworm|trixie)-slim$/);
      // Node 22 LTS or later in the image (package.json `engines` also admits 20.19+).
      expect(Number(tag?.split(/[.-]/)[0])).toBeGreaterThanOrEqual(22);
    }
  });

  it('builds with the full dependency tree from the lock file', () => {
    const commands = runs(build);
    const ci = commands.findIndex((r) => /\bnpm ci\b/.test(r));
    const compile = commands.findIndex((r) => /\bnpm run build\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(commands[ci]).not.toMatch(/--omit[= ]dev|--production/);
    expect(ci).toBeLessThan(compile);
    const copied = build.instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => copyOf(i).sources);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
  });

  it('runtime: production dependencies only, the compiled dist, NODE_ENV=production, non-root', () => {
    const commands = runs(runtime);
    expect(commands.some((r) => /\bnpm ci\b/.test(r) && /--omit[= ]dev\b/.test(r))).toBe(true);
    expect(commands.some((r) => /\bnpm run build\b/.test(r))).toBe(false);
    expect(envOf(runtime).NODE_ENV).toBe('production');
    const fromBuild = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .map(copyOf)
      .filter((c) => c.flags.from === build.name);
    expect(fromBuild.flatMap((c) => c.sources)).toContain('/app/dist');
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    const lastUser = users[users.length - 1]?.args.split(':')[0];
    expect(['node', '1000']).toContain(lastUser);
    // Nothing after the last USER runs as root.
    const lastUserIndex = runtime.instructions.lastIndexOf(users[users.length - 1]);
    const lastRunIndex = runtime.instructions.map((i) => i.keyword).lastIndexOf('RUN');
    expect(lastRunIndex).toBeLessThan(lastUserIndex);
  });

  it('caps the V8 old generation and the malloc arenas for the services, after the install', () => {
    const env = envOf(runtime);
    expect(env.NODE_OPTIONS?.replace(/"/g, '')).toMatch(/^--max-old-space-size=\d+$/);
    // Two malloc arenas: native allocations on libuv's threads (argon2) are not kept per thread.
    expect(env.MALLOC_ARENA_MAX?.replace(/"/g, '')).toMatch(/^\d+$/);
    const keywords = runtime.instructions.map((i) => i.keyword);
    const cap = runtime.instructions.findIndex(
      (i) => i.keyword === 'ENV' && i.args.includes('NODE_OPTIONS'),
    );
    expect(keywords.lastIndexOf('RUN')).toBeLessThan(cap);
  });

  it('starts Node under tini in exec form, with a service entry point the build produces', () => {
    const entrypoint = runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT').pop();
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD').pop();
    expect(entrypoint && execForm(entrypoint)).toEqual([
      expect.stringMatching(/(^|\/)tini$/),
      '--',
    ]);
    expect(runs(runtime).some((r) => /apt-get install\b.*\btini\b/.test(r))).toBe(true);
    const command = cmd && execForm(cmd);
    expect(command?.[0]).toBe('node');
    expect(SERVICES.map(entryPointOf)).toContain(command?.[1]);
  });

  it('`npm run build` is the build, and dist/apps/<service>/main.js is each service entry point', () => {
    const pkg = JSON.parse(readText(path.join(ROOT, 'package.json'))) as {
      scripts?: Record<string, string>;
    };
    expect(pkg.scripts?.build).toEqual(expect.any(String));
    for (const svc of SERVICES) {
      // The project's own launcher runs the same file the image does.
      expect({ svc, start: pkg.scripts?.[`start:${svc}`] }).toEqual({
        svc,
        start: `node ${entryPointOf(svc)}`,
      });
    }
  });

  // `npm test` builds before Jest runs; a bare `npx jest test/deploy` on a fresh clone has no dist.
  const built = fs.existsSync(path.join(ROOT, 'dist', 'apps'));
  (built ? it : it.skip)('the build produced every entry point the image runs', () => {
    for (const svc of SERVICES) {
      const entry = path.join(ROOT, entryPointOf(svc));
      expect({ entry, exists: fs.existsSync(entry) }).toEqual({ entry, exists: true });
    }
  });

  it('copies inputs that exist, keeps secrets out of the image, and filters the build context', () => {
    for (const stage of dockerfile.stages) {
      for (const ins of stage.instructions) {
        expect(ins.keyword).not.toBe('ADD');
        if (ins.keyword === 'COPY' && !copyOf(ins).flags.from) {
          for (const source of copyOf(ins).sources) {
            const pattern = new RegExp(`^${source.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
            const exists = fs.readdirSync(ROOT).some((f) => pattern.test(f));
            expect({ source, exists }).toEqual({ source, exists: true });
          }
        }
        if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
          expect(ins.args).not.toMatch(/(SECRET|PASSWORD|TOKEN|ENCRYPTION_KEY)/i);
        }
      }
    }
    const ignore = readText(path.join(DEPLOY_DIR, 'Dockerfile.dockerignore'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const required of ['node_modules', 'dist', '.git', '.env']) {
      expect(ignore.some((p) => p === required || p === `**/${required}`)).toBe(true);
    }
    const copied = dockerfile.stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !copyOf(i).flags.from)
      .flatMap((i) => copyOf(i).sources);
    for (const source of copied) {
      expect({ source, ignored: ignore.includes(source) }).toEqual({ source, ignored: false });
    }
  });

  it('the parser reads what it checks (exec form, continuations, stage names, ARG defaults)', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node:22-bookworm-slim',
        'FROM ${BASE} AS one',
        'RUN echo a \\',
        '    # a comment inside a continuation',
        '    && npm ci --omit=dev',
        'FROM one',
        'ENV NODE_ENV=production A="b c"',
        'CMD node main.js',
      ].join('\n'),
    );
    expect(parsed.stages.map((s) => [s.image, s.name])).toEqual([
      ['node:22-bookworm-slim', 'one'],
      ['one', undefined],
    ]);
    expect(runs(parsed.stages[0])).toEqual(['echo a && npm ci --omit=dev']);
    expect(envOf(parsed.stages[1])).toEqual({ NODE_ENV: 'production', A: 'b c' });
    expect(execForm(parsed.stages[1].instructions[1])).toBeUndefined();
    expect(() => parseDockerfile('FROM node:${MISSING}')).toThrow(/MISSING/);
  });
});
