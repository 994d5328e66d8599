/**
 * NATS subjects: the wire format between services. Never rename one without a migration plan
 * (old and new replicas run side by side during a rolling update).
 */
export const TokenSubjects = {
  /** Public JWKS of the signing keys (active and still-valid previous keys). */
  Jwks: 'token.jwks',
} as const;

export const ClientSubjects = {} as const;

export const AuditSubjects = {} as const;

export const UserSubjects = {} as const;

/** Broadcast events: every replica of every interested service receives them (no queue group). */
export const BroadcastEvents = {} as const;
