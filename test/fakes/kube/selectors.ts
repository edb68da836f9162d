/** Kubernetes label and field selectors, enough of the grammar for evalflow and its tests. */

type LabelTerm =
  | { op: 'eq'; key: string; value: string }
  | { op: 'ne'; key: string; value: string }
  | { op: 'in'; key: string; values: string[] }
  | { op: 'notin'; key: string; values: string[] }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

/** Splits on commas outside parentheses: "a in (x,y),b=c" → ["a in (x,y)", "b=c"]. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim().length > 0) terms.push(current.trim());
  return terms.filter((t) => t.length > 0);
}

function parseLabelTerm(term: string): LabelTerm {
  const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return set[2] === 'in' ? { op: 'in', key: set[1] ?? '', values } : { op: 'notin', key: set[1] ?? '', values };
  }
  const ne = /^([^!=]+)!=(.*)$/.exec(term);
  if (ne) return { op: 'ne', key: (ne[1] ?? '').trim(), value: (ne[2] ?? '').trim() };
  const eq = /^([^!=]+)==?(.*)$/.exec(term);
  if (eq) return { op: 'eq', key: (eq[1] ?? '').trim(), value: (eq[2] ?? '').trim() };
  if (term.startsWith('!')) return { op: 'absent', key: term.slice(1).trim() };
  return { op: 'exists', key: term };
}

export function matchesLabels(selector: string | null, labels: Record<string, string> | undefined): boolean {
  if (selector === null || selector.trim() === '') return true;
  const have = labels ?? {};
  return splitTerms(selector)
    .map(parseLabelTerm)
    .every((t) => {
      const value = have[t.key];
      switch (t.op) {
        case 'eq':
          return value === t.value;
        case 'ne':
          return value !== t.value;
        case 'in':
          return value !== undefined && t.values.includes(value);
        case 'notin':
          return value === undefined || !t.values.includes(value);
        case 'exists':
          return value !== undefined;
        case 'absent':
          return value === undefined;
      }
    });
}

function fieldAt(object: unknown, path: string): string | undefined {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return current === undefined || current === null ? undefined : JSON.stringify(current);
}

/** Field selectors: "a.b=c,d!=e" over the object's JSON form (metadata.name, involvedObject.name, status.phase...). */
export function matchesFields(selector: string | null, object: unknown): boolean {
  if (selector === null || selector.trim() === '') return true;
  return splitTerms(selector).every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return (fieldAt(object, (ne[1] ?? '').trim()) ?? '') !== (ne[2] ?? '').trim();
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq) return (fieldAt(object, (eq[1] ?? '').trim()) ?? '') === (eq[2] ?? '').trim();
    return false;
  });
}
