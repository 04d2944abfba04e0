// The API's own OpenAPI document, loaded once: the forms for steps and first contacts are generated from it, so a new
// step type or field gets its form without new page code.

let loading = null;

// The API's description could not be had: no form can be made (the rest of a page can).
export class DescriptionUnavailable extends Error {}

export function openApiDocument() {
  loading ??= fetch("/schema/openapi.json", { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new DescriptionUnavailable(`Die Beschreibung der API ließ sich nicht laden (HTTP ${response.status}).`);
      return response.json();
    })
    .catch((error) => {
      throw error instanceof DescriptionUnavailable ? error : new DescriptionUnavailable(`Die Beschreibung der API ließ sich nicht laden (${error.message}).`);
    });
  loading.catch(() => { loading = null; }); // a failed load is tried again next time
  return loading;
}

export function resolve(document, schema) {
  let resolved = schema;
  while (resolved?.$ref) resolved = document.components.schemas[resolved.$ref.split("/").pop()];
  return resolved;
}

// A field's schema without its "or null": the one remaining branch, with the limits written beside the union
// (`{oneOf: [{type: string}, {type: null}], maxLength: 64}`), and whether null is allowed.
export function unwrap(document, schema) {
  const resolved = resolve(document, schema);
  const branches = resolved.oneOf ?? resolved.anyOf;
  if (!branches) return { schema: resolved, nullable: false };
  const values = branches.filter((branch) => branch.type !== "null");
  const { oneOf, anyOf, ...beside } = resolved;
  const schemaOfValue = values.length === 1 ? { ...beside, ...resolve(document, values[0]) } : resolved;
  return { schema: schemaOfValue, nullable: values.length < branches.length };
}

const requestSchema = (operation) => operation.requestBody.content["application/json"].schema;

// The step union of POST /cases/{case_id}/steps: each step type with its schema, in the API's order.
export const stepTypes = () => unionTypes("/cases/{case_id}/steps");

// The step union a POST at `path` takes (a case's, an employer's): each type with its schema, in the API's order.
export async function unionTypes(path) {
  const document = await openApiDocument();
  const union = requestSchema(document.paths[path].post);
  return union.oneOf
    .map((branch) => resolve(document, branch))
    .map((schema) => ({ type: schema.properties.type.const, schema }));
}

// The body of POST /cases: a first contact.
export async function firstContactSchema() {
  const document = await openApiDocument();
  return resolve(document, requestSchema(document.paths["/cases"].post));
}

// The body of a POST that records one of the desk's entries (`/contacts`, `/outreach-events`).
export async function recordSchema(path) {
  const document = await openApiDocument();
  return resolve(document, requestSchema(document.paths[path].post));
}
