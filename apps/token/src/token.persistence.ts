import { auditOutboxMigration } from '@latchkey/audit-client';
import type { ServicePersistenceOptions } from '@latchkey/persistence';
import { SigningKeyEntity } from './keys/signing-key.entity';
import { SigningKeys1732200000000 } from './migrations/1732200000000-signing-keys';
import { Grants1732300000000 } from './migrations/1732300000000-grants';
import { SigningKeyRotation1733000000000 } from './migrations/1733000000000-signing-key-rotation';
import { RefreshTokenSuccessor1733500000000 } from './migrations/1733500000000-refresh-token-successor';
import { RevokedAccessTokens1733600000000 } from './migrations/1733600000000-revoked-access-tokens';
import { GrantClaimsRequest1734200000300 } from './migrations/1734200000300-grant-claims-request';
import { GrantIdp1734700000200 } from './migrations/1734700000200-grant-idp';
import { GrantEntity } from './user-grants/grant.entity';
import { RefreshTokenEntity } from './user-grants/refresh-token.entity';

/** The token service's tables live in the `token` schema; only these migrations touch it. */
export const TOKEN_PERSISTENCE: ServicePersistenceOptions = {
  schema: 'token',
  entities: [SigningKeyEntity, GrantEntity, RefreshTokenEntity],
  migrations: [
    SigningKeys1732200000000,
    Grants1732300000000,
    auditOutboxMigration('token'),
    SigningKeyRotation1733000000000,
    RefreshTokenSuccessor1733500000000,
    RevokedAccessTokens1733600000000,
    GrantClaimsRequest1734200000300,
    GrantIdp1734700000200,
  ],
};
