import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import {
  AUDIT_EVENT_CATALOGUE,
  auditEventSchema,
  parseAuditDataSchemaUri,
  type AuditEventType,
} from '@latchkey/contracts';

export type AuditSchemaVerdict =
  | { kind: 'valid' }
  /** No schema of this version is known here (a newer emitter, or an event without one). */
  | { kind: 'unknown' }
  | { kind: 'invalid'; problems: string[] };

let compiled: Map<string, ValidateFunction> | undefined;

/** Every schema of the catalogue, compiled on first use (not at import: most importers never check). */
function validators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  compiled = new Map();
  for (const type of Object.keys(AUDIT_EVENT_CATALOGUE) as AuditEventType[]) {
    const schema = auditEventSchema(type);
    compiled.set(schema.$id, ajv.compile(schema));
  }
  return compiled;
}

/**
 * Checks an event against the JSON Schema its `dataschema` names (libs/contracts catalogue). An
 * event whose schema this build does not know is `unknown`, not invalid: during a rolling update a
 * newer emitter may write a newer version.
 */
export function checkAuditEventSchema(event: unknown): AuditSchemaVerdict {
  const dataschema = (event as { dataschema?: unknown } | null)?.dataschema;
  if (typeof dataschema !== 'string' || !parseAuditDataSchemaUri(dataschema)) {
    return { kind: 'unknown' };
  }
  const validate = validators().get(dataschema);
  if (!validate) return { kind: 'unknown' };
  if (validate(event)) return { kind: 'valid' };
  return { kind: 'invalid', problems: (validate.errors ?? []).map(describeProblem) };
}

/** Where and what, never the offending value (it may be anything an emitter got wrong). */
function describeProblem(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`;
}
