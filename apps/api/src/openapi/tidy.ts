import crypto from 'node:crypto';

/**
 * Final touches on the generated OpenAPI document: drop component schemas nothing references
 * (the zod transform registers an input and an output twin of every named schema), and the
 * ±2^53 bounds zod puts on every integer, which say nothing to a reader. Repeats are shared
 * through `components`: the error responses, the common header and query parameters, and the
 * success envelope (`allOf` of `Envelope` and the operation's own `data`) and any success response
 * several operations give alike. The regular expression zod adds beside a `format` (uuid,
 * date-time, e-mail) is dropped: the format says the same to a reader and the server still
 * checks it. This keeps the document small enough for the tools that read it whole.
 */
const SAFE = 9007199254740991;
const ENVELOPE_FIELDS = ['success', 'message', 'requestId', 'timestamp'];
const SELF_DESCRIBING_FORMATS = new Set(['uuid', 'date-time', 'date', 'email']);

export function tidyOpenApi<T extends Record<string, unknown>>(doc: T): T {
  stripSafeIntegerBounds(doc);
  shareRepeats(doc);
  const components = doc.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (!schemas) return doc;
  const used = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (k === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
        const name = child.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  visit({ ...doc, components: { ...components, schemas: undefined } });
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
  return doc;
}

function stripSafeIntegerBounds(v: unknown): void {
  if (Array.isArray(v)) return v.forEach(stripSafeIntegerBounds);
  if (!v || typeof v !== 'object') return;
  const o = v as Record<string, unknown>;
  if (o.minimum === -SAFE) delete o.minimum;
  if (o.maximum === SAFE) delete o.maximum;
  if (typeof o.format === 'string' && SELF_DESCRIBING_FORMATS.has(o.format) && typeof o.pattern === 'string') delete o.pattern;
  Object.values(o).forEach(stripSafeIntegerBounds);
}

type Json = Record<string, unknown>;

const digest = (v: unknown) => crypto.createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 6);

function shareRepeats(doc: Json): void {
  const paths = doc.paths as Record<string, Record<string, Json>> | undefined;
  if (!paths) return;
  const components = ((doc.components as Json | undefined) ?? (doc.components = {})) as Json;
  const responses = ((components.responses as Json | undefined) ?? {}) as Json;
  const parameters = ((components.parameters as Json | undefined) ?? {}) as Json;
  const schemas = ((components.schemas as Json | undefined) ?? (components.schemas = {})) as Json;
  let envelope: Json | undefined;
  for (const operations of Object.values(paths)) {
    for (const op of Object.values(operations)) {
      if (!op || typeof op !== 'object') continue;
      const opResponses = (op.responses ?? {}) as Record<string, Json>;
      for (const [status, response] of Object.entries(opResponses)) {
        if (status.startsWith('4') || status.startsWith('5')) {
          const name = `Error${status}_${digest(response)}`;
          responses[name] ??= response;
          opResponses[status] = { $ref: `#/components/responses/${name}` };
          continue;
        }
        const media = (response.content as Record<string, Json> | undefined)?.['application/json'];
        const schema = media?.schema as Json | undefined;
        const props = schema?.properties as Json | undefined;
        if (!media || !schema || !props || !ENVELOPE_FIELDS.every((f) => f in props) || !('data' in props)) continue;
        envelope ??= {
          type: 'object',
          description: 'The envelope of every successful answer; `data` holds the result.',
          properties: Object.fromEntries(ENVELOPE_FIELDS.map((f) => [f, props[f]])),
          required: ENVELOPE_FIELDS,
        };
        const own = Object.fromEntries(Object.entries(props).filter(([k]) => !ENVELOPE_FIELDS.includes(k)));
        const required = ((schema.required as string[] | undefined) ?? []).filter((k) => !ENVELOPE_FIELDS.includes(k));
        media.schema = { allOf: [{ $ref: '#/components/schemas/Envelope' }, { type: 'object', properties: own, required }] };
      }
      const opParameters = op.parameters as Json[] | undefined;
      opParameters?.forEach((parameter, i) => {
        if (!['header', 'query', 'path'].includes(String(parameter.in))) return;
        const name = `${String(parameter.name).replace(/[^A-Za-z0-9]/g, '')}_${digest(parameter)}`;
        parameters[name] ??= parameter;
        opParameters[i] = { $ref: `#/components/parameters/${name}` };
      });
    }
  }
  shareSuccessResponses(paths, responses);
  if (envelope) schemas.Envelope = envelope;
  shareSecurity(doc, paths);
  if (Object.keys(responses).length) components.responses = sortKeys(shortNames(doc, 'responses', responses));
  if (Object.keys(parameters).length) components.parameters = sortKeys(shortNames(doc, 'parameters', parameters));
}

/** The most common security requirement becomes the document's default; operations that differ keep their own (`[]` for public ones). */
function shareSecurity(doc: Json, paths: Record<string, Record<string, Json>>): void {
  const ops = Object.values(paths).flatMap((operations) => Object.values(operations)).filter((op) => op && typeof op === 'object');
  const counts = new Map<string, number>();
  for (const op of ops) if (op.security) counts.set(JSON.stringify(op.security), (counts.get(JSON.stringify(op.security)) ?? 0) + 1);
  const [common] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [];
  if (!common) return;
  doc.security = JSON.parse(common) as unknown;
  for (const op of ops) {
    if (!op.security) op.security = [];
    else if (JSON.stringify(op.security) === common) delete op.security;
  }
}

/**
 * Shared entries get short names, since every operation repeats their references: an error
 * response is `E<status>` (the most used variant) or `E<status>b`, `c`…; a success response is
 * named after its data schema and status; a parameter after itself. Swagger UI shows their
 * descriptions ("Possible codes: …"), not these names. Ranking by use, then content, keeps the
 * names stable from one generation to the next.
 */
function shortNames(doc: Json, kind: 'responses' | 'parameters', entries: Json): Json {
  const uses = new Map<string, number>();
  const prefix = `#/components/${kind}/`;
  const count = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(count);
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (k === '$ref' && typeof child === 'string' && child.startsWith(prefix)) uses.set(child.slice(prefix.length), (uses.get(child.slice(prefix.length)) ?? 0) + 1);
      else count(child);
    }
  };
  count(doc.paths);
  const stem = (name: string) => name.replace(/_[0-9a-f]{6}$/, '').replace(/^Error/, 'E');
  const ranked = Object.keys(entries).sort((a, b) => stem(a).localeCompare(stem(b)) || (uses.get(b) ?? 0) - (uses.get(a) ?? 0) || JSON.stringify(entries[a]).localeCompare(JSON.stringify(entries[b])));
  const renamed = new Map<string, string>();
  const taken = new Map<string, number>();
  for (const old of ranked) {
    const base = stem(old);
    const n = taken.get(base) ?? 0;
    taken.set(base, n + 1);
    renamed.set(old, n === 0 ? base : `${base}${String.fromCharCode(97 + n)}`);
  }
  const rewrite = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(rewrite);
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    if (typeof o.$ref === 'string' && o.$ref.startsWith(prefix)) o.$ref = prefix + (renamed.get(o.$ref.slice(prefix.length)) ?? o.$ref.slice(prefix.length));
    Object.values(o).forEach(rewrite);
  };
  rewrite(doc.paths);
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [renamed.get(k) ?? k, v]));
}

/** Success responses that two or more operations give alike become one `components/responses` entry. */
function shareSuccessResponses(paths: Record<string, Record<string, Json>>, responses: Json): void {
  const seen = new Map<string, { count: number; response: Json }>();
  const each = (fn: (opResponses: Record<string, Json>, status: string, response: Json) => void) => {
    for (const operations of Object.values(paths))
      for (const op of Object.values(operations)) {
        const opResponses = (op?.responses ?? {}) as Record<string, Json>;
        for (const [status, response] of Object.entries(opResponses)) if (/^2/.test(status) && !('$ref' in response)) fn(opResponses, status, response);
      }
  };
  each((_, __, response) => {
    const key = JSON.stringify(response);
    const entry = seen.get(key) ?? { count: 0, response };
    entry.count += 1;
    seen.set(key, entry);
  });
  each((opResponses, status, response) => {
    if ((seen.get(JSON.stringify(response))?.count ?? 0) < 2) return;
    const data = JSON.stringify(response).match(/"data":\{"\$ref":"#\/components\/schemas\/([A-Za-z0-9_]+)"/)?.[1];
    const name = `${data ?? 'Success'}${status}_${digest(response)}`;
    responses[name] ??= response;
    opResponses[status] = { $ref: `#/components/responses/${name}` };
  });
}

function sortKeys(o: Json): Json {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
