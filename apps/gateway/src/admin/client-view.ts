import type { ClientRecord, ClientView } from '@latchkey/contracts';

/** A client and, right after creation or rotation, its plaintext secret. */
export type ClientWithSecret = ClientView & { client_secret?: string };

/**
 * The client as HTTP may show it. `clients.get` answers the full record, secret hashes included
 * (the token service needs them); those never leave the gateway, whatever a service sends.
 */
export function toClientView(client: ClientView | ClientRecord): ClientView {
  const { secret_hashes: _hashes, ...view } = client as ClientRecord;
  return view;
}

export function withSecret(client: ClientView, clientSecret: string | undefined): ClientWithSecret {
  const view = toClientView(client);
  return clientSecret === undefined ? view : { ...view, client_secret: clientSecret };
}
