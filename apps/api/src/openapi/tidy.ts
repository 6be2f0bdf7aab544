/**
 * Final touches on the generated OpenAPI document: drop component schemas nothing references
 * (the zod transform registers an input and an output twin of every named schema), and the
 * ±2^53 bounds zod puts on every integer, which say nothing to a reader.
 */
const SAFE = 9007199254740991;

export function tidyOpenApi<T extends Record<string, unknown>>(doc: T): T {
  stripSafeIntegerBounds(doc);
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
  Object.values(o).forEach(stripSafeIntegerBounds);
}
