import { Controller } from '@nestjs/common';
import { BroadcastEvents } from '@latchkey/contracts';
import { BroadcastEventPattern } from '@latchkey/transport';
import { ClaimScopesCache } from '@latchkey/registry-client';

/** Every gateway replica drops its claim mappings as soon as the registry announces a change. */
@Controller()
export class ClaimScopesInvalidationController {
  constructor(private readonly scopes: ClaimScopesCache) {}

  @BroadcastEventPattern(BroadcastEvents.ClaimScopeChanged)
  claimScopeChanged(): void {
    this.scopes.invalidate();
  }
}
