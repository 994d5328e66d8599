import { Inject, Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { AuditClient } from '@latchkey/audit-client';
import type { EntityManager } from 'typeorm';
import type {
  AllResourcesResponse,
  CreateResourceRequest,
  DeleteResourceRequest,
  GetResourceRequest,
  ListResourcesRequest,
  ListResourcesResponse,
  ResourceView,
  UpdateResourceRequest,
} from '@latchkey/contracts';
import { Conflict, InvalidRequest, isIdentifierText, NotFound } from '@latchkey/oauth';
import { ChangePublisher } from '../shared/change-publisher';
import { Clock, readPageRequest, toPage } from '@latchkey/core';
import { violatedConstraint } from '../shared/database-errors';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../shared/registry-settings';
import { TransactionRunner } from '../shared/transaction-runner';
import { type ResourceInput, validateResource, validateResourcePatch } from './resource-input';
import type { NewResource } from './resources.repository';
import { ResourcesRepository } from './resources.repository';

/** Set on clients.default_resource: a resource some client uses by default cannot go away. */
const DEFAULT_RESOURCE_FKEY = 'clients_default_resource_fkey';
const MAX_IDENTIFIER_LENGTH = 2000;

/**
 * API resources (RFC 8707). Each change is audited in its own transaction (`resource.created`,
 * `resource.updated`, `resource.deleted`; docs/audit-events.md).
 */
@Injectable()
export class ResourcesService {
  constructor(
    private readonly db: TransactionRunner,
    private readonly resources: ResourcesRepository,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
    @Inject(REGISTRY_SETTINGS) private readonly settings: RegistrySettings,
    private readonly audit: AuditClient,
  ) {}

  async create(request: CreateResourceRequest): Promise<ResourceView> {
    const input = validateResource(isObject(request) ? request.resource : undefined, this.issuer);
    const now = this.clock.now();
    const resource: NewResource = {
      ...toColumns(input),
      identifier: input.identifier,
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await this.db.run(async (em) => {
      await this.checkScopesFree(em, input.scopes, undefined);
      if (!(await this.resources.insertIfAbsent(em, resource))) return false;
      await this.audit.recordInTransaction(em, 'resource.created', {
        subject: resource.identifier,
        data: { resource: resource.identifier, name: resource.name, scopes: [...resource.scopes] },
      });
      return true;
    });
    if (!inserted) throw new Conflict('a resource with this identifier already exists');
    await this.changes.resourceChanged({ identifier: input.identifier, change: 'created' });
    return toResourceView(resource);
  }

  async get(request: GetResourceRequest): Promise<ResourceView> {
    const identifier = readIdentifier(request);
    const resource = await this.resources.findByIdentifier(this.db.manager, identifier);
    if (!resource) throw new NotFound('resource not found');
    return toResourceView(resource);
  }

  async list(request: ListResourcesRequest): Promise<ListResourcesResponse> {
    const { limit, afterSeq } = readPageRequest(request);
    const rows = await this.resources.page(this.db.manager, afterSeq, limit + 1);
    return toPage(rows, limit, toResourceView);
  }

  async all(): Promise<AllResourcesResponse> {
    return (await this.resources.all(this.db.manager)).map(toResourceView);
  }

  async update(request: UpdateResourceRequest): Promise<ResourceView> {
    const identifier = readIdentifier(request);
    const now = this.clock.now();
    const updated = await this.db.run(async (em) => {
      const current = await this.resources.lockByIdentifier(em, identifier);
      if (!current) throw new NotFound('resource not found');
      const input = validateResourcePatch(toInput(current), request.patch);
      await this.checkScopesFree(em, input.scopes, identifier);
      const changes = { ...toColumns(input), updatedAt: now };
      await this.resources.update(em, identifier, changes);
      await this.audit.recordInTransaction(em, 'resource.updated', {
        subject: identifier,
        data: {
          resource: identifier,
          changed: changedResourceFields(toInput(current), input),
          scopes: [...input.scopes],
        },
      });
      return { ...current, ...changes };
    });
    await this.changes.resourceChanged({ identifier, change: 'updated' });
    return toResourceView(updated);
  }

  async delete(request: DeleteResourceRequest): Promise<null> {
    const identifier = readIdentifier(request);
    const deleted = await this.db
      .run(async (em) => {
        if (!(await this.resources.delete(em, identifier))) return false;
        await this.audit.recordInTransaction(em, 'resource.deleted', {
          subject: identifier,
          data: { resource: identifier },
        });
        return true;
      })
      .catch((err: unknown) => {
        if (violatedConstraint(err) !== DEFAULT_RESOURCE_FKEY) throw err;
        throw new Conflict('the resource is the default_resource of at least one client');
      });
    if (!deleted) throw new NotFound('resource not found');
    await this.changes.resourceChanged({ identifier, change: 'deleted' });
    return null;
  }

  /**
   * A registered API scope belongs to exactly one resource (docs/architecture.md §3,
   * Audiences): it decides the audience of a token that asks for it. Checked under a lock, so
   * two resources created at once cannot both take a scope.
   */
  private async checkScopesFree(
    em: EntityManager,
    scopes: readonly string[],
    self: string | undefined,
  ): Promise<void> {
    await this.resources.lockScopes(em);
    const taken = await this.resources.definingAny(em, scopes, self);
    const index = scopes.findIndex((scope) => taken.some((other) => other.scopes.includes(scope)));
    if (index >= 0) {
      throw new Conflict(`scopes[${index}] is already defined by another resource`);
    }
  }

  private get issuer(): string {
    return this.settings.issuer;
  }
}

function readIdentifier(request: unknown): string {
  const identifier = isObject(request) ? request.identifier : undefined;
  if (
    typeof identifier !== 'string' ||
    identifier === '' ||
    identifier.length > MAX_IDENTIFIER_LENGTH
  ) {
    throw new InvalidRequest('identifier is required');
  }
  // Text PostgreSQL cannot compare (a NUL) names no resource (docs/architecture.md §3, Errors).
  if (!isIdentifierText(identifier)) throw new NotFound('no such resource');
  return identifier;
}

/** The members an update changed (names only). */
function changedResourceFields(before: ResourceInput, after: ResourceInput): string[] {
  const fields = ['name', 'scopes', 'access_token_lifetime'] as const;
  return fields.filter((field) => !isDeepStrictEqual(before[field], after[field]));
}

function toColumns(input: ResourceInput) {
  return {
    name: input.name,
    scopes: input.scopes,
    roles: input.roles,
    scopeDescriptions: input.scope_descriptions,
    accessTokenLifetime: input.access_token_lifetime,
  };
}

function toInput(resource: NewResource): ResourceInput {
  return {
    identifier: resource.identifier,
    name: resource.name,
    scopes: resource.scopes,
    roles: resource.roles,
    scope_descriptions: resource.scopeDescriptions ?? {},
    access_token_lifetime: resource.accessTokenLifetime,
  };
}

function toResourceView(resource: NewResource): ResourceView {
  return {
    identifier: resource.identifier,
    name: resource.name,
    scopes: [...resource.scopes],
    roles: [...resource.roles],
    scope_descriptions: { ...resource.scopeDescriptions },
    access_token_lifetime: resource.accessTokenLifetime,
    created_at: resource.createdAt.toISOString(),
    updated_at: resource.updatedAt.toISOString(),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
