/**
 * HTTP routing as the manifest test needs it: which paths the shared OAuth endpoint controllers
 * answer (read from their Nest route metadata, so the code stays the one home of those paths),
 * and which backend an Ingress sends a request path to, by the rules of networking.k8s.io/v1.
 */
import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IIngressBackend } from 'kubernetes-models/networking.k8s.io/v1/IngressBackend';
import { OAuthEndpointsModule } from '@latchkey/oauth-http';

function routeSegments(metadata: unknown): string[][] {
  const paths = Array.isArray(metadata) ? (metadata as unknown[]) : [metadata ?? '/'];
  return paths.map((p) => String(p).split('/').filter(Boolean));
}

/**
 * Every path the OAuth endpoints module serves (`/token`, `/introspect`, `/revoke`, the key set),
 * whatever the method: what the token service answers on its HTTP port besides health and metrics.
 */
export function oauthEndpointPaths(): string[] {
  const { controllers = [] } = OAuthEndpointsModule.register({ providers: [] });
  const paths = new Set<string>();
  for (const controller of controllers) {
    const bases = routeSegments(Reflect.getMetadata(PATH_METADATA, controller));
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const route: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (route === undefined) continue;
      for (const base of bases) {
        for (const own of routeSegments(route)) paths.add(`/${[...base, ...own].join('/')}`);
      }
    }
  }
  if (paths.size === 0) throw new Error('the OAuth endpoints module declares no route');
  return [...paths].sort();
}

const elementsOf = (p: string): string[] => p.split('/').filter(Boolean);

/**
 * The backend an Ingress picks for a request (Ingress API, "Path types" and "Multiple matches"):
 * `Exact` matches the path exactly; `Prefix` matches whole path elements (`/foo` matches `/foo`
 * and `/foo/bar`, not `/foobar`); the longest match wins, and `Exact` wins a tie. A rule without
 * host matches any host; nothing matching falls to `defaultBackend`.
 */
export function ingressBackendFor(
  ingress: IIngress,
  host: string,
  requestPath: string,
): IIngressBackend | undefined {
  const rules = ingress.spec?.rules ?? [];
  const rule = rules.find((r) => r.host === host) ?? rules.find((r) => r.host === undefined);
  const requested = elementsOf(requestPath);
  let best: { score: number; backend: IIngressBackend } | undefined;
  for (const p of rule?.http?.paths ?? []) {
    const own = elementsOf(p.path ?? '/');
    let score: number;
    if (p.pathType === 'Exact') {
      if (p.path !== requestPath) continue;
      score = own.length * 2 + 1;
    } else if (p.pathType === 'Prefix') {
      if (own.some((e, i) => requested[i] !== e)) continue;
      score = own.length * 2;
    } else {
      throw new Error(`path ${p.path}: pathType ${p.pathType} has no portable meaning`);
    }
    if (best === undefined || score > best.score) best = { score, backend: p.backend };
  }
  return best?.backend ?? ingress.spec?.defaultBackend;
}
