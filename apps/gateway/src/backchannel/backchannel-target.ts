import type { ClientRecord } from '@latchkey/contracts';
import { type OutboundPolicy, outboundUrlProblem } from '@latchkey/oauth';

/**
 * Whether a logout token may be posted to `uri` for `client` (OIDC Back-Channel Logout §2.2): it
 * must be exactly the `backchannel_logout_uri` the client registered, of an active client, and
 * still pass the outbound policy (docs/architecture.md §3) as it stands now. The token service
 * names the target; the gateway checks it against the registry's record itself, so that nothing
 * but a registered URI ever receives a request from the gateway. (The addresses the host
 * resolves to are checked again when connecting.)
 */
export function backchannelTargetProblem(
  uri: string,
  client: ClientRecord | null,
  policy: OutboundPolicy,
): string | undefined {
  if (!client) return 'the client is unknown';
  if (client.disabled) return 'the client is disabled';
  if (client.backchannel_logout_uri === undefined)
    return 'the client has no backchannel_logout_uri';
  if (client.backchannel_logout_uri !== uri) {
    return "the target is not the client's registered backchannel_logout_uri";
  }
  const problem = outboundUrlProblem(uri, policy);
  return problem ? `the backchannel_logout_uri ${problem}` : undefined;
}
