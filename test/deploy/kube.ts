/**
 * Small, dependency-free helpers the manifest test needs: the shape of a rendered object, label
 * selectors as the API server evaluates them, and resource quantities.
 */
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DEPLOY_DIR = path.join(ROOT, 'deploy');
export const KUSTOMIZE_DIR = path.join(DEPLOY_DIR, 'kubernetes');

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One rendered Kubernetes object, before it is known to match a schema. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function idOf(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.apiVersion}/${o.kind} ${ns}${o.metadata.name}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirement[];
}

/**
 * Label-selector semantics (apimachinery): matchLabels and matchExpressions are ANDed; an empty
 * selector matches everything; an absent one (undefined) matches nothing.
 */
export function selectorMatches(
  selector: LabelSelectorLike | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(have[req.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[req.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        throw new Error(`unknown label selector operator ${req.operator}`);
    }
  }
  return true;
}

/** A Service's selector is a plain map; no selector selects nothing (endpoints managed by hand). */
export function serviceSelectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return selectorMatches({ matchLabels: selector }, labels);
}

const QUANTITY_SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes resource quantity ("250m", "1", "768Mi", "1.5Gi") as a plain number. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`not a resource quantity: ${quantity}`);
  return Number(match[1]) * QUANTITY_SUFFIXES[match[2] ?? ''];
}

/** Splits an image reference into repository, tag and digest, as kustomize and registries do. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [beforeDigest, digest] = image.split('@', 2);
  const lastSlash = beforeDigest.lastIndexOf('/');
  const lastColon = beforeDigest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    return {
      name: beforeDigest.slice(0, lastColon),
      tag: beforeDigest.slice(lastColon + 1),
      digest,
    };
  }
  return { name: beforeDigest, digest };
}

export function formatImage(parts: { name: string; tag?: string; digest?: string }): string {
  return `${parts.name}${parts.tag ? `:${parts.tag}` : ''}${parts.digest ? `@${parts.digest}` : ''}`;
}

/** An image is pinned when it names a digest or an explicit tag other than `latest`. */
export function isPinnedImage(image: string): boolean {
  const { tag, digest } = parseImage(image);
  if (digest) return /^sha256:[a-f0-9]{64}$/.test(digest);
  return tag !== undefined && tag !== '' && tag !== 'latest';
}
