/**
 * The console's ticket filter form, built from the list route's own query schema
 * (ListQuerySchema in routes/tickets.ts): one labelled field per query parameter the API accepts
 * (enums become selects with the API's values, numbers number inputs, ISO date-times
 * datetime-local inputs, anything else a text input). A parameter added to the API shows up in
 * the console without touching it; one removed disappears.
 */
import * as z from 'zod';

export interface FilterField {
  readonly name: string;
  readonly label: string;
  readonly kind: 'enum' | 'number' | 'datetime' | 'text';
  readonly options: readonly string[];
  readonly defaultValue: string | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

const LABELS: Readonly<Record<string, string>> = {
  status: 'Status',
  channel: 'Channel',
  priority: 'Priority',
  assignee: 'Assignee',
  tag: 'Tag',
  contactId: 'Contact id',
  updatedSince: 'Updated since (your time)',
  sort: 'Sort',
  limit: 'Per page',
};

/** Option texts for known values (the value sent stays the API's). */
const OPTION_TEXT: Readonly<Record<string, string>> = {
  '-lastMessageAt': 'latest activity first',
  lastMessageAt: 'oldest activity first',
  '-createdAt': 'newest first',
  createdAt: 'oldest first',
  slaDueAt: 'SLA due soonest',
  updatedAt: 'last changed (sync order)',
};

/** Parameters that are not filters a person sets. */
const SKIP = new Set(['cursor']);

const humanize = (name: string): string => {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The schema's fields in declaration order (an object schema, possibly refined; anything else has none). */
export function filterFields(schema: z.ZodType): FilterField[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([name]) => !SKIP.has(name))
    .map(([name, field]) => describe(name, field));
}

function describe(name: string, field: z.ZodType): FilterField {
  let s: z.ZodType = field;
  let defaultValue: string | undefined;
  // Peel optional/default/coercion wrappers down to the value's own type.
  for (let i = 0; i < 10; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      const d: unknown = s.def.defaultValue;
      if (typeof d === 'string' || typeof d === 'number') defaultValue = String(d);
      s = s.def.innerType as z.ZodType;
    } else if (s instanceof z.ZodPipe) {
      // A comma list (`string → split → array of enum`) or a cleaned string: the enum the value
      // ends as, if any, else what the API reads in.
      const out = enumOf(s.def.out as z.ZodType);
      s = out ?? (s.def.in as z.ZodType);
      if (out) break;
    } else break;
  }
  const base = { name, label: LABELS[name] ?? humanize(name), defaultValue, options: [] as string[], min: undefined, max: undefined };
  if (s instanceof z.ZodEnum) return { ...base, kind: 'enum', options: s.options.map(String) };
  if (s instanceof z.ZodNumber) {
    const finite = (n: number | null) => (n === null || !Number.isFinite(n) ? undefined : n);
    return { ...base, kind: 'number', min: finite(s.minValue), max: finite(s.maxValue) };
  }
  if ((s instanceof z.ZodString || s instanceof z.ZodStringFormat) && s.format === 'datetime') return { ...base, kind: 'datetime' };
  return { ...base, kind: 'text' };
}

/** The enum a schema is, or is an array of. */
function enumOf(s: z.ZodType): z.ZodEnum | undefined {
  if (s instanceof z.ZodEnum) return s;
  if (s instanceof z.ZodArray && s.element instanceof z.ZodEnum) return s.element;
  return undefined;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The fields as HTML (each value escaped, although they all come from our own schema). */
export function renderFilterFields(fields: readonly FilterField[]): string {
  return fields
    .map((f) => {
      const id = `filter-${f.name}`;
      const label = `<label for="${esc(id)}">${esc(f.label)}</label>`;
      let control: string;
      if (f.kind === 'enum') {
        const none = f.defaultValue === undefined ? `<option value="">${f.name === 'sort' ? 'default' : 'any'}</option>` : '';
        const options = f.options.map((o) => `<option value="${esc(o)}"${o === f.defaultValue ? ' selected' : ''}>${esc(OPTION_TEXT[o] ?? o)}</option>`).join('');
        control = `<select id="${esc(id)}" name="${esc(f.name)}">${none}${options}</select>`;
      } else if (f.kind === 'number') {
        const attrs = [f.min !== undefined ? ` min="${f.min}"` : '', f.max !== undefined ? ` max="${f.max}"` : '', f.defaultValue !== undefined ? ` value="${esc(f.defaultValue)}"` : ''].join('');
        control = `<input id="${esc(id)}" name="${esc(f.name)}" type="number" inputmode="numeric" size="5"${attrs}>`;
      } else if (f.kind === 'datetime') {
        control = `<input id="${esc(id)}" name="${esc(f.name)}" type="datetime-local">`;
      } else {
        control = `<input id="${esc(id)}" name="${esc(f.name)}" type="text" size="14" spellcheck="false">`;
      }
      return `            <div class="field" data-filter="${esc(f.name)}">${label}${control}</div>`;
    })
    .join('\n');
}
