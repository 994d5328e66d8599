/**
 * Validation of rendered objects against the Kubernetes API schemas shipped by `kubernetes-models`
 * (generated from the official OpenAPI specification), in two passes:
 *
 * 1. the package's JSON-schema validators (ajv): types, required fields, enums, formats;
 * 2. strictness, i.e. what `kubectl apply --validate=strict` adds: no field the API does not define.
 *    The package's validators accept unknown fields, so every object is also type-checked by the
 *    TypeScript compiler against the package's generated interfaces (the same OpenAPI definitions):
 *    an object literal assigned to an interface must not carry properties the interface lacks,
 *    at any depth ("Object literal may only specify known properties").
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { idOf, type KubeObject, ROOT } from './kube';

interface Validatable {
  validate(): void;
}

interface SchemaEntry {
  /** Module whose .d.ts declares the interface (the path under kubernetes-models mirrors GVK). */
  module: string;
  /** The generated interface for the whole object. */
  typeName: string;
  /** The generated model, whose validate() runs the JSON-schema validator. */
  create(data: KubeObject): Validatable;
}

// The constructors type their argument precisely; the data is checked by validate() instead.
type AnyModel = new (data: never) => Validatable;
const entry = (
  apiVersion: string,
  kind: string,
  model: AnyModel,
  // The Prometheus Operator's kinds come from its CRDs' schemas, in a package of their own.
  packageName = 'kubernetes-models',
): [string, SchemaEntry] => [
  `${apiVersion}/${kind}`,
  {
    module: `${packageName}/${apiVersion}/${kind}`,
    typeName: `I${kind}`,
    create: (data) => new model(data as never),
  },
];

/** The kinds the deployment may use; any other kind fails validation until it is added here. */
export const SCHEMAS = new Map<string, SchemaEntry>([
  entry('v1', 'Namespace', Namespace),
  entry('v1', 'ConfigMap', ConfigMap),
  entry('v1', 'Secret', Secret),
  entry('v1', 'Service', Service),
  entry('v1', 'ServiceAccount', ServiceAccount),
  entry('apps/v1', 'Deployment', Deployment),
  entry('batch/v1', 'Job', Job),
  entry('policy/v1', 'PodDisruptionBudget', PodDisruptionBudget),
  entry('autoscaling/v2', 'HorizontalPodAutoscaler', HorizontalPodAutoscaler),
  entry('networking.k8s.io/v1', 'Ingress', Ingress),
  entry('networking.k8s.io/v1', 'NetworkPolicy', NetworkPolicy),
  entry(
    'monitoring.coreos.com/v1',
    'ServiceMonitor',
    ServiceMonitor,
    '@kubernetes-models/prometheus-operator',
  ),
  entry(
    'monitoring.coreos.com/v1',
    'PrometheusRule',
    PrometheusRule,
    '@kubernetes-models/prometheus-operator',
  ),
]);

/** JSON-schema problems of one object (empty when valid). */
export function schemaErrors(o: KubeObject): string[] {
  const schema = SCHEMAS.get(`${o.apiVersion}/${o.kind}`);
  if (!schema) return [`no Kubernetes schema known for ${o.apiVersion} ${o.kind}`];
  try {
    schema.create(o).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: { instancePath?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    }
    return [err instanceof Error ? err.message : String(err)];
  }
}

const VIRTUAL_DIR = path.join(ROOT, 'test', 'deploy', '__manifests__');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  lib: ['lib.es2022.d.ts'],
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  ignoreDeprecations: '6.0',
};

/** Library and kubernetes-models declaration files, parsed once per test run. */
const sourceCache = new Map<string, ts.SourceFile>();

/**
 * Fields the Kubernetes API does not define, per object (same order as the input; empty when
 * strict-valid). Kinds without a schema are reported too.
 */
export function unknownFieldErrors(objects: KubeObject[]): string[][] {
  const files = new Map<string, string>();
  const results: string[][] = objects.map(() => []);
  const fileOf: (string | undefined)[] = objects.map((o, i) => {
    const schema = SCHEMAS.get(`${o.apiVersion}/${o.kind}`);
    if (!schema) {
      results[i].push(`no Kubernetes schema known for ${o.apiVersion} ${o.kind}`);
      return undefined;
    }
    const file = path.join(VIRTUAL_DIR, `manifest-${i}.ts`);
    files.set(
      file,
      `import type { ${schema.typeName} as Manifest } from '${schema.module}';\n\n` +
        `export const manifest: Manifest = ${JSON.stringify(o, null, 2)};\n`,
    );
    return file;
  });

  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const readFromDisk = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const virtual = files.get(path.resolve(fileName));
    if (virtual !== undefined) {
      return ts.createSourceFile(fileName, virtual, languageVersion, true);
    }
    const cached = sourceCache.get(fileName);
    if (cached) return cached;
    const parsed = readFromDisk(fileName, languageVersion, onError, shouldCreate);
    if (parsed) sourceCache.set(fileName, parsed);
    return parsed;
  };
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.fileExists = (f) => files.has(path.resolve(f)) || fileExists(f);
  host.readFile = (f) => files.get(path.resolve(f)) ?? readFile(f);

  const program = ts.createProgram([...files.keys()], COMPILER_OPTIONS, host);
  // A broken setup (module not found, bad lib) must fail loudly, not pass as "no unknown fields".
  const global = program.getGlobalDiagnostics().concat(program.getOptionsDiagnostics());
  if (global.length > 0) throw new Error(global.map(formatDiagnostic).join('\n'));

  fileOf.forEach((file, i) => {
    if (file === undefined) return;
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`compiler lost ${file}`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    results[i].push(...diagnostics.map(formatDiagnostic));
  });
  return results;
}

function formatDiagnostic(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (!d.file || d.start === undefined) return message;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  const text = d.file.text.split('\n')[line]?.trim() ?? '';
  return `${text} -> ${message}`;
}

/** Both passes for a set of objects, keyed by object id; objects without problems are omitted. */
export function validateObjects(objects: KubeObject[]): Record<string, string[]> {
  const strict = unknownFieldErrors(objects);
  const problems: Record<string, string[]> = {};
  objects.forEach((o, i) => {
    const all = [...schemaErrors(o), ...strict[i]];
    if (all.length > 0) problems[idOf(o)] = all;
  });
  return problems;
}
