/** What the rule needs to know of a client record (the registry's `ClientRecord` fits). */
export interface ClientState {
  disabled: boolean;
}

/**
 * A client may be used, and the tokens issued to it honoured, only while it exists and is
 * enabled: disabling or deleting a client ends its access tokens at once, wherever they are
 * presented (docs/architecture.md §2.3, §2.6). Fail closed: a client the registry does not
 * know (deleted, or never registered) is not active.
 */
export function isActiveClient<T extends ClientState>(client: T | null | undefined): client is T {
  return client !== null && client !== undefined && client.disabled === false;
}
