import { Injectable } from '@nestjs/common';
import { ResourceSubjects, type GetResourceRequest, type ResourceView } from '@latchkey/contracts';
import { InvalidRequest, NotFound } from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import type { ResourceRoles } from './user';

/**
 * A user's per-resource roles must be roles their resource defines (docs/architecture.md §7), so
 * a typo is refused at once rather than silently never reaching a token. Asked of the registry at
 * write time; a role the resource drops later is filtered out when tokens are issued.
 */
@Injectable()
export class ResourceRolesCheck {
  constructor(private readonly bus: BusClient) {}

  async check(resourceRoles: ResourceRoles): Promise<void> {
    for (const [index, [identifier, roles]] of Object.entries(resourceRoles).entries()) {
      const resource = await this.resource(identifier);
      // Positions, not values: the identifier is the caller's text.
      if (!resource) {
        throw new InvalidRequest(`resource_roles key #${index + 1} is not a registered resource`);
      }
      const defined = new Set(resource.roles ?? []);
      const unknown = roles.find((role) => !defined.has(role));
      if (unknown !== undefined) {
        // A role name passed the name rule, so it fits an error_description.
        throw new InvalidRequest(
          `resource_roles key #${index + 1}: role ${unknown} is not defined by that resource`,
        );
      }
    }
  }

  private async resource(identifier: string): Promise<ResourceView | null> {
    try {
      return await this.bus.request<ResourceView | null>(ResourceSubjects.Get, {
        identifier,
      } satisfies GetResourceRequest);
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }
}
