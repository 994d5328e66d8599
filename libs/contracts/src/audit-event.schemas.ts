import {
  AUDIT_COMMON_FIELDS,
  AUDIT_EVENT_CATALOGUE,
  type AuditEventDefinition,
  type AuditFieldSchema,
} from './audit-event.catalogue';

type CatalogueType = keyof typeof AUDIT_EVENT_CATALOGUE;

/**
 * The event's `dataschema` (CloudEvents): names the type and the version of its data, so a
 * consumer (and the audit service) validates against the schema the emitter wrote for.
 */
export function auditDataSchemaUri(type: string, version: number): string {
  return `urn:latchkey:audit-event:${type}:v${version}`;
}

/** `urn:latchkey:audit-event:<type>:v<n>` read back; undefined when it is not one. */
export function parseAuditDataSchemaUri(
  uri: string,
): { type: string; version: number } | undefined {
  const match = /^urn:latchkey:audit-event:([a-z_]+\.[a-z_]+):v([1-9][0-9]{0,3})$/.exec(uri);
  return match ? { type: match[1], version: Number(match[2]) } : undefined;
}

export interface AuditEventJsonSchema {
  $schema: string;
  $id: string;
  title: string;
  description: string;
  type: 'object';
  required: string[];
  properties: Record<string, unknown>;
}

const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

/**
 * The JSON Schema (2020-12) of a whole event of `type`: the CloudEvents envelope as Latchkey
 * fills it, and its data. Data members not in the catalogue are refused (a new member is a new
 * version); envelope extension attributes are open (CloudEvents allows them).
 */
export function auditEventSchema(type: CatalogueType): AuditEventJsonSchema {
  const definition: AuditEventDefinition = AUDIT_EVENT_CATALOGUE[type];
  const id = auditDataSchemaUri(type, definition.version);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: id,
    title: type,
    description: definition.description,
    type: 'object',
    required: [
      'specversion',
      'id',
      'source',
      'type',
      'time',
      'datacontenttype',
      'dataschema',
      'issuer',
      'data',
    ],
    properties: {
      specversion: { const: '1.0', description: 'CloudEvents 1.0.' },
      id: { type: 'string', pattern: UUID_PATTERN, description: 'Unique event id (UUID).' },
      source: {
        type: 'string',
        description: 'The emitting installation and service: `<issuer>/<service>`.',
      },
      type: { const: type, description: 'The event type.' },
      time: { type: 'string', pattern: TIME_PATTERN, description: 'When it happened (RFC 3339).' },
      subject: { type: 'string', description: `What it is about: ${definition.subject}.` },
      datacontenttype: { const: 'application/json', description: 'Always JSON.' },
      dataschema: { const: id, description: 'This schema.' },
      issuer: {
        type: 'string',
        description:
          'Extension attribute: the OpenID issuer of the installation, the same in every event it emits.',
      },
      requestid: {
        type: 'string',
        description:
          'Extension attribute: the request id (`X-Request-Id`) shared with the log lines of the request, when there was one.',
      },
      data: dataSchema(definition),
    },
  };
}

function dataSchema(definition: AuditEventDefinition): Record<string, unknown> {
  const properties: Record<string, AuditFieldSchema> = {
    ...AUDIT_COMMON_FIELDS,
    ...definition.fields,
  };
  return {
    type: 'object',
    description: 'The actors and facts of the event; never a secret, password, code or token.',
    required: ['actor', ...definition.required],
    properties,
    additionalProperties: false,
  };
}
