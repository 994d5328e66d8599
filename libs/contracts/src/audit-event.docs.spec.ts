import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AUDIT_EVENT_CATALOGUE, AUDIT_EVENT_RENAMES } from './audit-event.catalogue';
import { renderAuditEventsDoc } from './audit-event.docs';
import { AUDIT_EVENT_TYPE_FORMAT } from './audit.messages';

const DOC = path.resolve(__dirname, '..', '..', '..', 'docs', 'audit-events.md');

describe('docs/audit-events.md', () => {
  it('is what `npm run docs:audit-events` writes from the catalogue', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderAuditEventsDoc());
  });

  it('names every type, every member and an example of each', () => {
    const doc = renderAuditEventsDoc();
    for (const [type, definition] of Object.entries(AUDIT_EVENT_CATALOGUE)) {
      expect(doc).toContain(`### ${type}\n`);
      expect(doc).toContain(`"type": "${type}"`);
      for (const member of Object.keys(definition.fields))
        expect(doc).toContain(`| \`${member}\` |`);
    }
  });
});

describe('the audit event catalogue', () => {
  it('has only <noun>.<verb> types, refusals ending in .failed or .denied', () => {
    for (const type of Object.keys(AUDIT_EVENT_CATALOGUE)) {
      expect(type).toMatch(AUDIT_EVENT_TYPE_FORMAT);
      expect(type).not.toMatch(/_(failed|denied)$/);
    }
  });

  it('renames only to types it has, and no old name is still a type', () => {
    for (const [before, now] of Object.entries(AUDIT_EVENT_RENAMES)) {
      expect(Object.keys(AUDIT_EVENT_CATALOGUE)).toContain(now);
      expect(Object.keys(AUDIT_EVENT_CATALOGUE)).not.toContain(before);
    }
  });
});
