/**
 * Canonical JSON for hashing: the same value always gives the same string, whatever the order its
 * keys were written, parsed or stored in (jsonb reorders them). Object keys are sorted by UTF-16
 * code units at every level, with no whitespace; strings and numbers are written as
 * JSON.stringify writes them, which is the serialisation RFC 8785 (JCS) prescribes.
 *
 * Like JSON, it drops object members that are undefined and writes undefined array items as null;
 * unlike JSON.stringify it refuses what JSON cannot carry faithfully (NaN, Infinity, BigInt,
 * functions, symbols) instead of silently changing it.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not valid JSON`);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, path);
    default:
      throw new TypeError(`${path}: a ${typeof value} is not valid JSON`);
  }
}

function writeObject(value: object, path: string): string {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value), path);
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, index) =>
      item === undefined ? 'null' : write(item, `${path}[${index}]`),
    );
    return `[${items.join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    // Default sort: UTF-16 code units, as RFC 8785 §3.2.3 requires.
    .sort()
    .map((key) => `${JSON.stringify(key)}:${write(record[key], `${path}.${key}`)}`);
  return `{${members.join(',')}}`;
}
