/**
 * A deliberately tiny stand-in for `kustomize build`, for the only three features
 * deploy/kubernetes/kustomization.yaml may use: `resources` (local files), `namespace` and `images`.
 * Anything else in the kustomization, or a kind whose namespace handling is not modelled here, is an
 * error, so this renderer cannot silently drift from the real one.
 *
 * Semantics mirrored from kustomize (api/filters, builtin transformers):
 * - resources: every YAML document of every listed file, in order; duplicate ids are an error;
 * - namespace: sets metadata.namespace on every namespaced object (overwriting), leaves
 *   cluster-scoped kinds alone, and renames a Namespace object to the kustomization's namespace;
 * - images: for each container and init container whose image name equals `name`, replaces the
 *   name with `newName`, and tag and digest together with `newTag` / `digest`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { clone, formatImage, idOf, isRecord, type KubeObject, parseImage } from './kube';

export const KUSTOMIZATION_FIELDS = ['apiVersion', 'kind', 'namespace', 'resources', 'images'];
export const IMAGE_FIELDS = ['name', 'newName', 'newTag', 'digest'];

/** Cluster-scoped kinds this renderer knows; everything in NAMESPACED_KINDS gets the namespace. */
export const CLUSTER_SCOPED_KINDS = new Set(['Namespace']);
export const NAMESPACED_KINDS = new Set([
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'Deployment',
  'Job',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'Ingress',
  'NetworkPolicy',
]);

/** Where pod templates sit in the workload kinds we render (kustomize's image field specs). */
const POD_TEMPLATE_KINDS = new Set(['Deployment', 'Job']);

export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface Kustomization {
  apiVersion: string;
  kind: string;
  namespace?: string;
  resources: string[];
  images?: ImageOverride[];
}

export interface Rendered {
  kustomization: Kustomization;
  objects: KubeObject[];
}

export function readKustomization(dir: string): Kustomization {
  const names = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].filter((n) =>
    fs.existsSync(path.join(dir, n)),
  );
  if (names.length !== 1) {
    throw new Error(`expected exactly one kustomization file in ${dir}, found ${names.join(', ')}`);
  }
  const doc = yaml.load(fs.readFileSync(path.join(dir, names[0]), 'utf8'));
  if (!isRecord(doc)) throw new Error('kustomization is not a mapping');
  const unknown = Object.keys(doc).filter((k) => !KUSTOMIZATION_FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new Error(
      `kustomization uses fields this renderer does not implement: ${unknown.join(', ')}`,
    );
  }
  if (doc.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || doc.kind !== 'Kustomization') {
    throw new Error('kustomization must be kustomize.config.k8s.io/v1beta1 Kustomization');
  }
  if (!Array.isArray(doc.resources) || !doc.resources.every((r) => typeof r === 'string')) {
    throw new Error('kustomization resources must be a list of file names');
  }
  if (doc.namespace !== undefined && typeof doc.namespace !== 'string') {
    throw new Error('kustomization namespace must be a string');
  }
  const images = doc.images ?? [];
  if (!Array.isArray(images)) throw new Error('kustomization images must be a list');
  for (const image of images) {
    if (!isRecord(image) || typeof image.name !== 'string') {
      throw new Error('every images entry needs a name');
    }
    const extra = Object.keys(image).filter((k) => !IMAGE_FIELDS.includes(k));
    if (extra.length > 0) throw new Error(`images entry uses unsupported ${extra.join(', ')}`);
    for (const k of IMAGE_FIELDS) {
      if (image[k] !== undefined && typeof image[k] !== 'string') {
        throw new Error(`images entry ${image.name}: ${k} must be a string`);
      }
    }
  }
  return doc as unknown as Kustomization;
}

/** Loads every document of a manifest file; empty documents are skipped, as kustomize does. */
export function loadManifestFile(file: string): KubeObject[] {
  const text = fs.readFileSync(file, 'utf8');
  const docs = yaml.loadAll(text, { schema: yaml.CORE_SCHEMA });
  // kubectl's YAML reader follows YAML 1.1 (yes/no/on/off are booleans, 0755 is octal), kustomize's
  // YAML 1.2: a file both read the same way cannot be misread by either.
  const yaml11 = yaml.loadAll(text, { schema: yaml.YAML11_SCHEMA });
  if (JSON.stringify(yaml11) !== JSON.stringify(docs)) {
    throw new Error(
      `${file} reads differently as YAML 1.1 and YAML 1.2: quote the ambiguous scalars`,
    );
  }
  return docs
    .filter((d) => d !== null && d !== undefined)
    .map((d, i) => {
      if (
        !isRecord(d) ||
        typeof d.apiVersion !== 'string' ||
        typeof d.kind !== 'string' ||
        !isRecord(d.metadata) ||
        typeof d.metadata.name !== 'string' ||
        d.metadata.name === ''
      ) {
        throw new Error(`${file} document ${i + 1}: missing apiVersion, kind or metadata.name`);
      }
      return d as KubeObject;
    });
}

export function renderKustomization(dir: string): Rendered {
  const kustomization = readKustomization(dir);
  const objects: KubeObject[] = [];
  for (const resource of kustomization.resources) {
    if (/^[a-z]+:\/\//i.test(resource) || path.isAbsolute(resource) || resource.includes('..')) {
      throw new Error(`resource ${resource}: only files inside the kustomization are supported`);
    }
    const file = path.join(dir, resource);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new Error(`resource ${resource}: not a file (directories/bases are not supported)`);
    }
    objects.push(...loadManifestFile(file).map(clone));
  }

  for (const o of objects) applyNamespace(o, kustomization.namespace);
  for (const o of objects) applyImages(o, kustomization.images ?? []);

  const seen = new Set<string>();
  for (const o of objects) {
    const id = idOf(o);
    if (seen.has(id)) throw new Error(`duplicate resource ${id}`);
    seen.add(id);
  }
  return { kustomization, objects };
}

function applyNamespace(o: KubeObject, namespace: string | undefined): void {
  if (CLUSTER_SCOPED_KINDS.has(o.kind)) {
    if (namespace !== undefined && o.kind === 'Namespace') o.metadata.name = namespace;
    return;
  }
  if (!NAMESPACED_KINDS.has(o.kind)) {
    throw new Error(
      `${o.kind}: the renderer does not know how kustomize's namespace transformer treats this kind`,
    );
  }
  if (namespace !== undefined) o.metadata.namespace = namespace;
}

function applyImages(o: KubeObject, overrides: ImageOverride[]): void {
  if (!POD_TEMPLATE_KINDS.has(o.kind) || overrides.length === 0) return;
  const spec = o.spec;
  const template = isRecord(spec) ? spec.template : undefined;
  const podSpec = isRecord(template) ? template.spec : undefined;
  if (!isRecord(podSpec)) return;
  for (const list of [podSpec.containers, podSpec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) {
      if (!isRecord(container) || typeof container.image !== 'string') continue;
      const current = parseImage(container.image);
      const override = overrides.find((i) => i.name === current.name);
      if (!override) continue;
      // As kustomize's image updater: a new tag or digest replaces both the old tag and digest.
      const replaces = override.newTag !== undefined || override.digest !== undefined;
      container.image = formatImage({
        name: override.newName ?? current.name,
        tag: replaces ? override.newTag : current.tag,
        digest: replaces ? override.digest : current.digest,
      });
    }
  }
}
