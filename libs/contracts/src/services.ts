/** The four services; also the NATS queue group and the Postgres schema owner names. */
export const Services = {
  Gateway: 'gateway',
  Token: 'token',
  ClientRegistry: 'client-registry',
  Audit: 'audit',
} as const;

export type ServiceName = (typeof Services)[keyof typeof Services];
export const ALL_SERVICES: readonly ServiceName[] = Object.values(Services);
