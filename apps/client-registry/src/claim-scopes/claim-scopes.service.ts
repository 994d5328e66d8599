import { Injectable } from '@nestjs/common';
import type {
  AllClaimScopesResponse,
  ClaimScopeView,
  CreateClaimScopeRequest,
  DeleteClaimScopeRequest,
  GetClaimScopeRequest,
  ListClaimScopesRequest,
  ListClaimScopesResponse,
  UpdateClaimScopeRequest,
} from '@latchkey/contracts';
import { Clock, readPageRequest, toPage } from '@latchkey/core';
import { Conflict, InvalidRequest, isValidScopeToken, NotFound } from '@latchkey/oauth';
import { ChangePublisher } from '../shared/change-publisher';
import { TransactionRunner } from '../shared/transaction-runner';
import {
  type ClaimScopeInput,
  validateClaimScope,
  validateClaimScopePatch,
} from './claim-scope-input';
import type { ClaimScopeEntity } from './claim-scope.entity';
import { ClaimScopesRepository, type NewClaimScope } from './claim-scopes.repository';

/** Claim scopes: the registry's claim mappings, scope → claims → user attributes (§7). */
@Injectable()
export class ClaimScopesService {
  constructor(
    private readonly db: TransactionRunner,
    private readonly scopes: ClaimScopesRepository,
    private readonly clock: Clock,
    private readonly changes: ChangePublisher,
  ) {}

  async create(request: CreateClaimScopeRequest): Promise<ClaimScopeView> {
    const input = validateClaimScope(isObject(request) ? request.scope : undefined);
    const now = this.clock.now();
    const scope: NewClaimScope = { ...input, createdAt: now, updatedAt: now };
    await this.db.run(async (em) => {
      // One meaning per scope name: an API's scope asks for access, a claim scope for claims.
      if (await this.scopes.isResourceScope(em, input.name)) {
        throw new Conflict('an API resource defines a scope of this name');
      }
      if (!(await this.scopes.insertIfAbsent(em, scope))) {
        throw new Conflict('a claim scope with this name already exists');
      }
    });
    await this.changes.claimScopeChanged({ name: input.name, change: 'created' });
    return toClaimScopeView(scope);
  }

  async get(request: GetClaimScopeRequest): Promise<ClaimScopeView> {
    const scope = await this.scopes.findByName(this.db.manager, readName(request));
    if (!scope) throw new NotFound('claim scope not found');
    return toClaimScopeView(scope);
  }

  async list(request: ListClaimScopesRequest): Promise<ListClaimScopesResponse> {
    const { limit, afterSeq } = readPageRequest(request);
    const rows = await this.scopes.page(this.db.manager, afterSeq, limit + 1);
    return toPage(rows, limit, toClaimScopeView);
  }

  async all(): Promise<AllClaimScopesResponse> {
    return (await this.scopes.all(this.db.manager)).map(toClaimScopeView);
  }

  async update(request: UpdateClaimScopeRequest): Promise<ClaimScopeView> {
    const name = readName(request);
    const updated = await this.db.run(async (em) => {
      const current = await this.scopes.lockByName(em, name);
      if (!current) throw new NotFound('claim scope not found');
      const input = validateClaimScopePatch(toInput(current), request.patch);
      const changes = {
        description: input.description,
        claims: input.claims,
        public: input.public,
        updatedAt: this.clock.now(),
      };
      await this.scopes.update(em, name, changes);
      return { ...current, ...changes };
    });
    await this.changes.claimScopeChanged({ name, change: 'updated' });
    return toClaimScopeView(updated);
  }

  async delete(request: DeleteClaimScopeRequest): Promise<null> {
    const name = readName(request);
    if (!(await this.db.run((em) => this.scopes.delete(em, name)))) {
      throw new NotFound('claim scope not found');
    }
    await this.changes.claimScopeChanged({ name, change: 'deleted' });
    return null;
  }
}

function readName(request: unknown): string {
  const name = isObject(request) ? request.name : undefined;
  if (typeof name !== 'string' || name === '') throw new InvalidRequest('name is required');
  // Not a scope token: no claim scope has that name.
  if (!isValidScopeToken(name)) throw new NotFound('claim scope not found');
  return name;
}

function toInput(scope: ClaimScopeEntity): ClaimScopeInput {
  return {
    name: scope.name,
    description: scope.description,
    claims: scope.claims,
    public: scope.public,
  };
}

function toClaimScopeView(scope: NewClaimScope): ClaimScopeView {
  return {
    name: scope.name,
    description: scope.description,
    claims: { ...scope.claims },
    public: scope.public,
    created_at: scope.createdAt.toISOString(),
    updated_at: scope.updatedAt.toISOString(),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
