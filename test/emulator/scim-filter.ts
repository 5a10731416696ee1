// A small SCIM filter (RFC 7644 §3.4.2.2): `attr op "value"` comparisons joined by `and` / `or`
// (`and` binds tighter), ops eq, ne, co, sw, ew, and `attr pr`. No parentheses, no `not`.
// String comparisons ignore case, as for SCIM attributes that are not caseExact. UNCONFIRMED:
// which attributes and operators Databricks' ServicePrincipals endpoint really honours.

type Resource = Record<string, unknown>;
type Test = (resource: Resource) => boolean;

export class ScimFilterError extends Error {}

const COMPARISON = /^\s*([A-Za-z][\w.]*)\s+(eq|ne|co|sw|ew)\s+"((?:[^"\\]|\\.)*)"\s*$/i;
const PRESENT = /^\s*([A-Za-z][\w.]*)\s+pr\s*$/i;

function attribute(resource: Resource, name: string): unknown {
  const key = Object.keys(resource).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : resource[key];
}

function comparison(text: string): Test {
  const present = PRESENT.exec(text);
  if (present) {
    const name = present[1] ?? '';
    return (r) => attribute(r, name) !== undefined;
  }
  const match = COMPARISON.exec(text);
  if (!match) throw new ScimFilterError(`Invalid filter expression '${text.trim()}'.`);
  const [, name = '', op = '', raw = ''] = match;
  const wanted = raw.replace(/\\(.)/g, '$1').toLowerCase();
  return (r) => {
    const value = attribute(r, name);
    const actual = typeof value === 'string' || typeof value === 'boolean' ? String(value) : '';
    const have = actual.toLowerCase();
    switch (op.toLowerCase()) {
      case 'eq':
        return value !== undefined && have === wanted;
      case 'ne':
        return value === undefined || have !== wanted;
      case 'co':
        return value !== undefined && have.includes(wanted);
      case 'sw':
        return value !== undefined && have.startsWith(wanted);
      default:
        return value !== undefined && have.endsWith(wanted);
    }
  };
}

/** Splits on a keyword outside double-quoted strings. */
function splitOutsideQuotes(text: string, keyword: 'and' | 'or'): string[] {
  const parts: string[] = [];
  const pattern = new RegExp(`\\s${keyword}\\s`, 'iy');
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\\' && quoted) i += 1;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      pattern.lastIndex = i;
      if (pattern.test(text)) {
        parts.push(text.slice(start, i));
        start = pattern.lastIndex;
        i = start - 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Compiles a filter into a predicate; throws ScimFilterError on syntax it does not know. */
export function compileScimFilter(filter: string): Test {
  if (/[()]/.test(filter.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) {
    throw new ScimFilterError('Parentheses in filters are not supported by the emulator.');
  }
  const alternatives = splitOutsideQuotes(filter, 'or').map((alternative) =>
    splitOutsideQuotes(alternative, 'and').map(comparison),
  );
  return (r) => alternatives.some((all) => all.every((test) => test(r)));
}
