#!/usr/bin/env node
// `npm run docs:audit-events`: write docs/audit-events.md from the audit event catalogue
// (libs/contracts/src/audit-event.catalogue.ts, rendered by audit-event.docs.ts).
const fs = require('node:fs');
const path = require('node:path');
const { ensureBuilt } = require('./ensure-built');
const { root } = require('./services');

ensureBuilt();
const { renderAuditEventsDoc } = require(
  path.join(root, 'dist', 'libs', 'contracts', 'src', 'audit-event.docs'),
);
const docPath = path.join(root, 'docs', 'audit-events.md');
const before = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '';
const after = renderAuditEventsDoc();
if (after === before) {
  console.error('docs/audit-events.md: already up to date');
} else {
  fs.writeFileSync(docPath, after);
  console.error('docs/audit-events.md: written');
}
