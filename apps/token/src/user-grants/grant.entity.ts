import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Why a grant was revoked (`revoked_reason`): a replayed code or refresh token, the user disabled
 * (`user_revoked`), its client revoking its refresh token (RFC 7009, `client_revoked`), one grant
 * revoked through the admin API or the user's account page (`grant_revoked`), or the end of the
 * SSO session it was issued in (`session_ended`, online grants only).
 */
export type GrantRevocationReason =
  | 'code_reuse'
  | 'refresh_token_reuse'
  | 'user_revoked'
  | 'client_revoked'
  | 'grant_revoked'
  | 'session_ended';

/**
 * One user's authorization of one client, created when an authorization code is redeemed. Its
 * refresh tokens form one rotation family; its access tokens carry its id (`gid`).
 */
@Entity({ name: 'grants' })
export class GrantEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  @Column('text')
  sub: string;

  /** Granted scopes, space-delimited, as consented. */
  @Column('text')
  scope: string;

  /** The SSO session the grant came from (id_token `sid`). */
  @Column('text', { nullable: true })
  sid: string | null;

  @Column('timestamptz', { name: 'auth_time', nullable: true })
  authTime: Date | null;

  @Column('jsonb', { nullable: true })
  amr: string[] | null;

  @Column('text', { nullable: true })
  acr: string | null;

  /** The upstream identity provider the user signed in through (id_token `idp`). */
  @Column('text', { nullable: true })
  idp: string | null;

  /** RFC 8707 resource bound at the authorization request, if any. */
  @Column('text', { nullable: true })
  resource: string | null;

  /** The authorization request's `claims` parameter (OIDC Core §5.5), normalized JSON. */
  @Column('text', { name: 'claims_request', nullable: true })
  claimsRequest: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @Column('text', { name: 'revoked_reason', nullable: true })
  revokedReason: GrantRevocationReason | null;
}
