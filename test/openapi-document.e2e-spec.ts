import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { callPlatform } from './support/http-call';
import { describeEachMode } from './support/platform';

/**
 * The admin API's OpenAPI document as tools read it: it passes `redocly lint` and Spectral's
 * `spectral:oas` ruleset without errors, and a client generated from it with
 * openapi-typescript type-checks a call that creates a user with an email address (and refuses
 * one whose email is not a string, so the check can fail).
 */
jest.setTimeout(300_000);

const run = promisify(execFile);
const BIN = path.join(__dirname, '..', 'node_modules', '.bin');

interface Schema {
  type?: string;
  nullable?: boolean;
  properties?: Record<string, Schema>;
}

describeEachMode('the admin OpenAPI document', (platform) => {
  let dir: string;
  let documentPath: string;
  let document: {
    components: { schemas: Record<string, Schema> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-openapi-'));
    const answer = await callPlatform(platform().issuer, 'GET', '/admin/openapi.json');
    expect(answer.status).toBe(200);
    document = answer.body as typeof document;
    documentPath = path.join(dir, 'openapi.json');
    writeFileSync(documentPath, answer.text);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('describes default_resource, scope_descriptions and nullable strings as strings', () => {
    const schemas = document.components.schemas;
    for (const name of ['ClientDto', 'ClientMetadataDto']) {
      expect(schemas[name]?.properties?.default_resource).toMatchObject({ type: 'string' });
    }
    expect(schemas.CreateResourceDto?.properties?.scope_descriptions).toMatchObject({
      type: 'object',
    });
    for (const field of ['email', 'name', 'given_name', 'family_name']) {
      expect(schemas.CreateUserDto?.properties?.[field]).toMatchObject({
        type: 'string',
        nullable: true,
      });
    }
    // No property anywhere is a nullable "object" that stands for a string.
    for (const [name, schema] of Object.entries(schemas)) {
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        if (property.type === 'object' && property.nullable) {
          throw new Error(`${name}.${field} is a nullable object`);
        }
      }
    }
  });

  it('passes redocly lint with no error', async () => {
    const result = await run(
      path.join(BIN, 'redocly'),
      ['lint', documentPath, '--format', 'json'],
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } },
    ).catch((err: { stdout?: string; stderr?: string }) => err);
    const report = JSON.parse(result.stdout ?? '{}') as {
      totals?: { errors: number };
      problems?: { severity: string; message: string }[];
    };
    const errors = (report.problems ?? []).filter((p) => p.severity === 'error');
    expect(errors).toEqual([]);
    expect(report.totals?.errors).toBe(0);
  });

  it("passes Spectral's spectral:oas ruleset with no error", async () => {
    const ruleset = path.join(dir, '.spectral.yaml');
    writeFileSync(ruleset, 'extends: ["spectral:oas"]\n');
    // Spectral exits non-zero on any error (--fail-severity defaults to error), so a failure to
    // run or to read the document fails here too.
    const result = await run(
      path.join(BIN, 'spectral'),
      ['lint', documentPath, '--ruleset', ruleset, '--format', 'json', '--quiet'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const problems = JSON.parse(result.stdout || '[]') as { severity: number; message: string }[];
    // Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
    expect(problems.filter((p) => p.severity === 0)).toEqual([]);
  });

  it('generates a typed client that creates a user with an email address', async () => {
    const typesPath = path.join(dir, 'admin-api.ts');
    await run(path.join(BIN, 'openapi-typescript'), [documentPath, '--output', typesPath]);
    const call = (email: string) => `
      import type { paths } from './admin-api';
      type CreateUser = paths['/admin/users']['post'];
      type Body = CreateUser['requestBody'] extends { content: { 'application/json': infer B } }
        ? B
        : never;
      type Created = CreateUser['responses'][201]['content']['application/json'];
      export async function createUser(issuer: string, token: string): Promise<Created> {
        const body: Body = { username: 'alice', password: 'correct horse battery', email: ${email} };
        const res = await fetch(issuer + '/admin/users', {
          method: 'POST',
          headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const created = (await res.json()) as Created;
        const sub: string = created.id;
        const email: string | null | undefined = created.email;
        void sub;
        void email;
        return created;
      }
    `;
    const typeErrors = (email: string) => {
      const source = path.join(dir, 'create-user.ts');
      writeFileSync(source, call(email));
      const program = ts.createProgram([source], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        skipLibCheck: true,
      });
      return ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    expect(typeErrors("'alice@example.com'")).toEqual([]);
    expect(typeErrors('null')).toEqual([]);
    // The check can fail: an email that is not a string does not type-check.
    expect(typeErrors('42')).not.toEqual([]);
  });
});
