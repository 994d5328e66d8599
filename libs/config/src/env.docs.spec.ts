import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CONFIG_TABLE_BEGIN,
  CONFIG_TABLE_DOCUMENTS,
  CONFIG_TABLE_END,
  PLATFORM_ENV_DOCS,
  renderConfigTable,
  withConfigTable,
} from './env.docs';
import { loadConfig } from './platform.config';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe("README.md's configuration table", () => {
  it.each(CONFIG_TABLE_DOCUMENTS)(
    '%s has the one the environment schema generates (run `npm run docs:config` after changing it)',
    (document) => {
      const text = readFileSync(path.join(ROOT, document), 'utf8');
      expect(withConfigTable(text)).toBe(text);
    },
  );

  it('has one row per variable of the schema', () => {
    const table = renderConfigTable();
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` /gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(PLATFORM_ENV_DOCS));
    expect(documented).toEqual(
      expect.arrayContaining(['COOKIE_SECRET', 'BRAND_NAME', 'KEY_ROTATION_INTERVAL_HOURS']),
    );
  });

  it('shows the defaults the config loader applies', () => {
    const config = loadConfig({});
    const defaultOf = (name: keyof typeof PLATFORM_ENV_DOCS) => PLATFORM_ENV_DOCS[name].default;
    expect(defaultOf('PORT')).toBe(`\`${config.port}\``);
    expect(defaultOf('LOG_LEVEL')).toBe(`\`${config.logLevel}\``);
    expect(defaultOf('BUS_TIMEOUT_MS')).toBe(`\`${config.busTimeoutMs}\``);
    expect(defaultOf('SHUTDOWN_TIMEOUT_MS')).toBe(`\`${config.shutdownTimeoutMs}\``);
    expect(defaultOf('BRAND_NAME')).toBe(`\`${config.brand?.name}\``);
    expect(defaultOf('KEY_ROTATION_INTERVAL_HOURS')).toBe(
      `\`${config.keyRotation?.intervalHours}\``,
    );
  });

  it('pads every column to its widest cell, as prettier prints a markdown table', () => {
    const table = renderConfigTable({
      A: { default: '`1`', meaning: 'short' },
      LONGER_NAME: { default: 'none', meaning: 'x' },
    });
    expect(table.split('\n')).toEqual([
      '| variable      | default | meaning |',
      '| ------------- | ------- | ------- |',
      '| `A`           | `1`     | short   |',
      '| `LONGER_NAME` | none    | x       |',
    ]);
  });

  it('refuses a cell that would break the table, and a README without the markers', () => {
    expect(() => renderConfigTable({ A: { default: 'a|b', meaning: 'x' } })).toThrow('|');
    expect(() => withConfigTable('# no markers\n')).toThrow(CONFIG_TABLE_BEGIN);
    expect(withConfigTable(`x\n${CONFIG_TABLE_BEGIN}\nold\n${CONFIG_TABLE_END}\ny`, 'T')).toBe(
      `x\n${CONFIG_TABLE_BEGIN}\n\nT\n\n${CONFIG_TABLE_END}\ny`,
    );
  });
});
