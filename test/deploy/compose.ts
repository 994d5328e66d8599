/**
 * Loads a Compose file as `docker compose config` would see it with an empty environment:
 * YAML anchors and merge keys resolved, `${VAR:-default}` interpolation applied. A variable without
 * a default is an error, so the stack comes up with no .env file.
 */
import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { isRecord } from './kube';

export type Env = Record<string, string>;

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | number | { target?: number; published?: string | number; host_ip?: string })[];
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  [field: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  [field: string]: unknown;
}

/** YAML 1.2 core schema plus merge keys (`<<: *anchor`), which Compose supports. */
const COMPOSE_SCHEMA = yaml.CORE_SCHEMA.withTags(yaml.mergeTag);

export function loadCompose(file: string): ComposeFile {
  const text = fs.readFileSync(file, 'utf8');
  const doc = yaml.load(text, { schema: COMPOSE_SCHEMA });
  if (!isRecord(doc) || !isRecord(doc.services)) throw new Error(`${file}: no services`);
  // Unquoted yes/no/on/off and the like mean different things to YAML 1.1 and 1.2 parsers.
  const yaml11 = yaml.load(text, { schema: yaml.YAML11_SCHEMA });
  if (JSON.stringify(yaml11) !== JSON.stringify(doc)) {
    throw new Error(
      `${file} reads differently as YAML 1.1 and YAML 1.2: quote the ambiguous scalars`,
    );
  }
  return interpolate(doc, '') as ComposeFile;
}

const VARIABLE =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose interpolation against an empty environment (only defaults apply). */
export function interpolateString(value: string, where: string): string {
  return value.replace(VARIABLE, (match, braced, op, arg, bare) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    if (op === ':-' || op === '-') return arg as string;
    if (op === ':+' || op === '+') return '';
    throw new Error(`${where}: \${${name}} has no default; the stack would not start without it`);
  });
}

function interpolate(value: unknown, where: string): unknown {
  if (typeof value === 'string') return interpolateString(value, where);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${where}[${i}]`));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, where ? `${where}.${k}` : k)]),
    );
  }
  return value;
}

/** A service's environment as strings, whether written as a map or a KEY=VALUE list. */
export function environmentOf(service: ComposeService): Env {
  const env: Env = {};
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (value !== null && value !== undefined) env[key] = String(value);
  }
  return env;
}

/** depends_on as {service: condition}; the short list form means service_started. */
export function dependenciesOf(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d?.condition ?? 'service_started']),
  );
}

export function commandOf(service: ComposeService): string[] {
  const command = service.command;
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter((w) => w !== '');
}

export interface PublishedPort {
  hostIp?: string;
  published: number;
  target: number;
}

/** Ports in short ("[ip:]host:container[/proto]") or long syntax. */
export function publishedPorts(service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { hostIp: p.host_ip, published: Number(p.published), target: Number(p.target) };
    }
    const spec = String(p).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    if (parts.length === 1) return { published: NaN, target: Number(parts[0]) };
    const target = Number(parts.pop());
    const published = Number(parts.pop());
    return { hostIp: parts.length > 0 ? parts.join(':') : undefined, published, target };
  });
}
