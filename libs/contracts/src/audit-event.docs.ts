import {
  AUDIT_COMMON_FIELDS,
  AUDIT_EVENT_CATALOGUE,
  AUDIT_EVENT_RENAMES,
  type AuditFieldSchema,
} from './audit-event.catalogue';
import { auditDataSchemaUri, auditEventSchema } from './audit-event.schemas';
import type { AuditEventType } from './audit.messages';

/**
 * Where each type lands in a SIEM: Elastic Common Schema `event.category` / `event.type` /
 * `event.outcome`, and the OCSF class. Keyed by type, so a new type does not compile without one.
 */
export const AUDIT_SIEM_CLASSES: Readonly<
  Record<AuditEventType, { ecs: [string, string, 'success' | 'failure' | 'unknown']; ocsf: string }>
> = {
  'login.succeeded': { ecs: ['authentication', 'start', 'success'], ocsf: 'Authentication (3002)' },
  'login.failed': { ecs: ['authentication', 'start', 'failure'], ocsf: 'Authentication (3002)' },
  'session.started': { ecs: ['session', 'start', 'success'], ocsf: 'Authentication (3002)' },
  'session.ended': { ecs: ['session', 'end', 'success'], ocsf: 'Authentication (3002)' },
  'consent.granted': { ecs: ['iam', 'allowed', 'success'], ocsf: 'Authorize Session (3003)' },
  'consent.denied': { ecs: ['iam', 'denied', 'failure'], ocsf: 'Authorize Session (3003)' },
  'consent.revoked': { ecs: ['iam', 'deletion', 'success'], ocsf: 'Authorize Session (3003)' },
  'code.issued': { ecs: ['authentication', 'creation', 'success'], ocsf: 'Authentication (3002)' },
  'code.redeemed': { ecs: ['authentication', 'access', 'success'], ocsf: 'Authentication (3002)' },
  'grant.created': { ecs: ['iam', 'creation', 'success'], ocsf: 'Authorize Session (3003)' },
  'token.issued': { ecs: ['authentication', 'creation', 'success'], ocsf: 'Authentication (3002)' },
  'token.refreshed': {
    ecs: ['authentication', 'change', 'success'],
    ocsf: 'Authentication (3002)',
  },
  'token.revoked': {
    ecs: ['authentication', 'deletion', 'success'],
    ocsf: 'Authentication (3002)',
  },
  'token.refresh_reuse_detected': {
    ecs: ['intrusion_detection', 'indicator', 'failure'],
    ocsf: 'Detection Finding (2004)',
  },
  'token.code_reuse_detected': {
    ecs: ['intrusion_detection', 'indicator', 'failure'],
    ocsf: 'Detection Finding (2004)',
  },
  'client_authentication.failed': {
    ecs: ['authentication', 'start', 'failure'],
    ocsf: 'Authentication (3002)',
  },
  'client.created': {
    ecs: ['configuration', 'creation', 'success'],
    ocsf: 'Account Change (3001)',
  },
  'client.updated': { ecs: ['configuration', 'change', 'success'], ocsf: 'Account Change (3001)' },
  'client.deleted': {
    ecs: ['configuration', 'deletion', 'success'],
    ocsf: 'Account Change (3001)',
  },
  'client.secret_rotated': { ecs: ['iam', 'change', 'success'], ocsf: 'Account Change (3001)' },
  'resource.created': {
    ecs: ['configuration', 'creation', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'resource.updated': {
    ecs: ['configuration', 'change', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'resource.deleted': {
    ecs: ['configuration', 'deletion', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'user.created': { ecs: ['iam', 'creation', 'success'], ocsf: 'Account Change (3001)' },
  'user.updated': { ecs: ['iam', 'change', 'success'], ocsf: 'Account Change (3001)' },
  'user.disabled': { ecs: ['iam', 'change', 'success'], ocsf: 'Account Change (3001)' },
  'user.deleted': { ecs: ['iam', 'deletion', 'success'], ocsf: 'Account Change (3001)' },
  'user.provisioned': { ecs: ['iam', 'creation', 'success'], ocsf: 'Account Change (3001)' },
  'user.linked': { ecs: ['iam', 'change', 'success'], ocsf: 'Account Change (3001)' },
  'identity_provider.created': {
    ecs: ['configuration', 'creation', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'identity_provider.updated': {
    ecs: ['configuration', 'change', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'identity_provider.deleted': {
    ecs: ['configuration', 'deletion', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'upstream_login.succeeded': {
    ecs: ['authentication', 'start', 'success'],
    ocsf: 'Authentication (3002)',
  },
  'upstream_login.failed': {
    ecs: ['authentication', 'start', 'failure'],
    ocsf: 'Authentication (3002)',
  },
  'admin_login.succeeded': {
    ecs: ['authentication', 'start', 'success'],
    ocsf: 'Authentication (3002)',
  },
  'admin_access.denied': { ecs: ['iam', 'denied', 'failure'], ocsf: 'API Activity (6003)' },
  'key.rotated': {
    ecs: ['configuration', 'change', 'success'],
    ocsf: 'Entity Management (3004)',
  },
  'backchannel_logout.failed': {
    ecs: ['session', 'end', 'failure'],
    ocsf: 'Authentication (3002)',
  },
};

/** The installation every example comes from. */
const EXAMPLE_ISSUER = 'https://id.example.com';

/** docs/audit-events.md, from the catalogue (`npm run docs:audit-events`; a unit test compares). */
export function renderAuditEventsDoc(): string {
  const types = Object.keys(AUDIT_EVENT_CATALOGUE) as AuditEventType[];
  const out: string[] = [
    '# Audit events',
    '',
    '<!-- Generated by `npm run docs:audit-events` from libs/contracts/src/audit-event.catalogue.ts; do not edit. -->',
    '',
    'Every security-relevant change in Latchkey is recorded as an audit event, written to the emitting',
    'service’s outbox in the same transaction as the change (or, for changes outside PostgreSQL, before',
    'the request is answered), delivered at least once to the JetStream stream `AUDIT` (subject',
    '`audit.<type>`) and stored once, hash-chained, by the audit service (docs/architecture.md §6).',
    'This page is the catalogue: every type, every member, an example of each. Each type has a',
    'versioned JSON Schema (2020-12) in `libs/contracts` (`auditEventSchema(type)`); the audit service',
    'refuses an event that does not match the schema its `dataschema` names.',
    '',
    '## The envelope',
    '',
    'Events are CloudEvents 1.0 in the JSON format:',
    '',
    '| attribute | always | meaning |',
    '| --- | --- | --- |',
  ];
  const envelope = auditEventSchema(types[0]);
  for (const [name, schema] of Object.entries(envelope.properties)) {
    if (name === 'data') continue;
    const description = (schema as { description: string }).description;
    const meaning =
      name === 'type'
        ? 'The event type, `<noun>.<verb>` (below).'
        : name === 'dataschema'
          ? 'The schema of the event: `urn:latchkey:audit-event:<type>:v<version>`.'
          : name === 'subject'
            ? 'What the event is about (per type, below).'
            : description;
    out.push(
      `| \`${name}\` | ${envelope.required.includes(name) ? 'yes' : 'no'} | ${cell(meaning)} |`,
    );
  }
  out.push(
    '| `data` | yes | The actors and facts (below); never a secret, password, code or token. |',
    '',
    '**The installation.** `source` is a URI, `<issuer>/<service>` (for example',
    '`https://id.example.com/token`), and the `issuer` extension attribute carries the issuer alone,',
    'so a SIEM that collects several installations tells them apart by either. The issuer is an',
    'envelope attribute rather than a data member because it describes where the event comes from,',
    'not what happened, as `source` does.',
    '',
    '**Versions.** A type’s data has a version, named in `dataschema`. A new member or a changed',
    'meaning is a new version; the audit service keeps every version it knows and stores events of a',
    'version it does not know yet unchecked (a newer emitter during a rolling update).',
    '',
    '**Types** are `<noun>.<verb>` with exactly one dot; refusals end in `.failed` or `.denied`, and',
    'detected attacks in `_detected`.',
  );
  const renames = Object.entries(AUDIT_EVENT_RENAMES);
  if (renames.length > 0) {
    out.push('', 'Renamed types (events carry only the new name since the change):', '');
    out.push('| before | now |', '| --- | --- |');
    for (const [before, now] of renames) out.push(`| \`${before}\` | \`${now}\` |`);
  }
  out.push(
    '',
    '## Members every event may carry',
    '',
    'Who acted and on what. `actor` is in every event; the others when they apply (the address and',
    'user agent whenever the event was caused by an HTTP request, also when the request crossed',
    'services).',
    '',
    ...fieldTable(AUDIT_COMMON_FIELDS, ['actor']),
    '',
    'The actor is, in this order: an administrator of the admin API (the client id of its bearer',
    'token) for everything the request causes, in every service; otherwise the user the event',
    'names; otherwise the client; otherwise the service itself (scheduled work). Events where that',
    'rule would mislead set it themselves: a refused sign-in or client authentication without a',
    'client id is `anonymous`, a client revoking its token (RFC 7009) or redeeming a code is the',
    'client. The request id is the `requestid` attribute.',
    '',
    '## Event types',
    '',
    '| type | emitted by | what |',
    '| --- | --- | --- |',
  );
  for (const type of types) {
    const definition = AUDIT_EVENT_CATALOGUE[type];
    out.push(
      `| [\`${type}\`](#${anchor(type)}) | ${definition.emitter} | ${cell(definition.description)} |`,
    );
  }
  for (const type of types) {
    const definition = AUDIT_EVENT_CATALOGUE[type];
    out.push(
      '',
      `### ${type}`,
      '',
      definition.description,
      '',
      `Emitted by \`${definition.emitter}\`; \`subject\`: ${definition.subject}; schema`,
      `\`${auditDataSchemaUri(type, definition.version)}\`.`,
      '',
    );
    const fields = Object.keys(definition.fields).length;
    if (fields > 0) out.push(...fieldTable(definition.fields, definition.required), '');
    const common = (definition.required as readonly string[]).filter(
      (name) => name in AUDIT_COMMON_FIELDS,
    );
    if (common.length > 0) {
      out.push(
        `Always present besides \`actor\`: ${common.map((n) => `\`${n}\``).join(', ')}.`,
        '',
      );
    }
    out.push('```json', JSON.stringify(exampleEvent(type), null, 2), '```');
  }
  out.push('', ...siemSection(types), '');
  return out.join('\n');
}

function exampleEvent(type: AuditEventType): Record<string, unknown> {
  const definition = AUDIT_EVENT_CATALOGUE[type];
  return {
    specversion: '1.0',
    id: '3b0c8f9e-5d4a-4c1b-9e2f-7a6b5c4d3e2f',
    source: `${EXAMPLE_ISSUER}/${definition.emitter}`,
    type,
    time: '2026-12-03T16:04:05.678Z',
    subject: exampleSubject(definition.example),
    datacontenttype: 'application/json',
    dataschema: auditDataSchemaUri(type, definition.version),
    issuer: EXAMPLE_ISSUER,
    data: definition.example,
    requestid: '9f1d2c3b-4a5e-4f60-8a7b-1c2d3e4f5a6b',
  };
}

/** The example's subject: what the catalogue says it is about, taken from the example's data. */
function exampleSubject(data: Readonly<Record<string, unknown>>): string {
  for (const key of ['resource', 'grant', 'kid', 'sub', 'client_id']) {
    if (typeof data[key] === 'string') return data[key];
  }
  return 'none';
}

/** The examples as full events, for the unit test that validates them against their schema. */
export function auditExampleEvents(): Record<string, unknown>[] {
  return (Object.keys(AUDIT_EVENT_CATALOGUE) as AuditEventType[]).map(exampleEvent);
}

function fieldTable(
  fields: Readonly<Record<string, AuditFieldSchema>>,
  required: readonly string[],
): string[] {
  const rows = ['| member | type | always | meaning |', '| --- | --- | --- | --- |'];
  for (const [name, schema] of Object.entries(fields)) {
    rows.push(
      `| \`${name}\` | ${typeOf(schema)} | ${required.includes(name) ? 'yes' : 'no'} | ${cell(schema.description)} |`,
    );
  }
  return rows;
}

function typeOf(schema: AuditFieldSchema): string {
  if (schema.enum) return schema.enum.map((value) => `\`${value}\``).join(' \\| ');
  if (schema.type === 'array') return 'array of string';
  return schema.type ?? 'any';
}

function siemSection(types: AuditEventType[]): string[] {
  const out = [
    '## Mapping to a SIEM (Elastic ECS, OCSF)',
    '',
    'Members map to Elastic Common Schema (ECS 8.x) fields and to the Open Cybersecurity Schema',
    'Framework (OCSF 1.x) as follows; Latchkey’s own names can be kept beside them as',
    '`latchkey.*` (ECS custom fields) or `unmapped` (OCSF).',
    '',
    '| event member | ECS | OCSF |',
    '| --- | --- | --- |',
    '| `id` | `event.id` | `metadata.uid` |',
    '| `type` | `event.action` | `metadata.event_code` |',
    '| `time` | `@timestamp` | `time` |',
    '| `source` | `service.name` (the part after the issuer) | `metadata.product.feature.name` |',
    '| `issuer` | `labels.issuer` | `metadata.labels` (`issuer:<url>`) |',
    '| `requestid` | `http.request.id` | `metadata.correlation_uid` |',
    '| `subject` | `labels.subject` | `unmapped.subject` |',
    '| `data.actor` (`user`, `admin`) | `user.id`, with `user.roles: [admin]` for an administrator | `actor.user.uid`, `actor.user.type` |',
    '| `data.actor` (`client`) | `client.user.id` | `actor.app_uid` |',
    '| `data.sub` | `user.id`, or `user.target.id` when someone else acted on the user | `user.uid` |',
    '| `data.client_id` | `client.user.id` (or `labels.client_id` when the actor is someone else) | `actor.app_uid` / `unmapped.client_id` |',
    '| `data.session` | `labels.session_id` | `session.uid` |',
    '| `data.grant` | `labels.grant_id` | `unmapped.grant` |',
    '| `data.ip` | `source.ip` | `src_endpoint.ip` |',
    '| `data.user_agent` | `user_agent.original` | `http_request.user_agent` |',
    '| `data.reason` | `event.reason` | `status_detail` |',
    '| `data.username_sha256` | `user.hash` | `unmapped.username_sha256` |',
    '| `data.resource` | `url.full` | `unmapped.resource` |',
    '| other members | `labels.<member>` or `latchkey.<member>` | `unmapped.<member>` |',
    '',
    'Per type, `event.kind` is `event` (`alert` for `_detected`), `event.outcome` as below; `event.category` and `event.type` are ECS allowed values.',
    '',
    '| type | ECS `event.category` | ECS `event.type` | ECS `event.outcome` | OCSF class |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const type of types) {
    const { ecs, ocsf } = AUDIT_SIEM_CLASSES[type];
    out.push(`| \`${type}\` | ${ecs[0]} | ${ecs[1]} | ${ecs[2]} | ${ocsf} |`);
  }
  return out;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function anchor(type: string): string {
  return type.replace(/[^a-z0-9_-]/g, '');
}
