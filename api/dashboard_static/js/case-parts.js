// A case's parts in words: any object of the case as a list of its fields, any list of them as a table, with the
// German labels of the vocabulary. New fields of a release appear without page code.

import { formatDay, formatInstant, h, message, table } from "./dom.js";
import { fieldLabel, valueLabel } from "./labels.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T/;
// Countries come as ISO codes (SY); a counsellor reads their German names, the code beside them for the files.
const COUNTRY_FIELDS = new Set(["country", "qualification_country"]);
const COUNTRIES = new Intl.DisplayNames(["de"], { type: "region", fallback: "code" });

export function countryName(code) {
  try {
    const name = COUNTRIES.of(code);
    return name === code ? code : `${name} (${code})`;
  } catch {
    return String(code); // not a region code at all: shown as recorded
  }
}

const isEmpty = (value) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);

// A value of the field `name` in words.
export function words(name, value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "ja" : "nein";
  if (Array.isArray(value)) {
    if (!value.length) return "keine";
    return value.map((item) => words(name, item)).join(value.some((item) => typeof item === "object") ? "; " : ", ");
  }
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, inner]) => !isEmpty(inner))
      .map(([key, inner]) => `${fieldLabel(key)}: ${words(key, inner)}`)
      .join(", ");
  }
  if (COUNTRY_FIELDS.has(name)) return countryName(value);
  if (typeof value === "string" && DAY.test(value)) return formatDay(value);
  if (typeof value === "string" && INSTANT.test(value)) return formatInstant(value);
  return typeof value === "string" ? valueLabel(name, value) : String(value);
}

// An object's fields as a definition list; empty ones are left out, unless `keepEmpty` (then shown as "–").
export function fieldList(object, { id = null, only = null, keepEmpty = false } = {}) {
  const names = only ?? Object.keys(object);
  const rows = names.filter((name) => name in object && (keepEmpty || !isEmpty(object[name])));
  return h(
    "dl",
    { class: "state", id },
    rows.map((name) => h("div", { "data-field": name }, h("dt", {}, fieldLabel(name)), h("dd", {}, words(name, object[name])))),
  );
}

// A list of the case's records (applications, courses, …) as a table: a column for every field any of them holds.
export function recordsTable(records, { id, none }) {
  if (!records?.length) return message(none);
  const columns = [];
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) if (!isEmpty(value) && !columns.includes(name)) columns.push(name);
  }
  return table({
    id,
    columns: columns.map((name) => fieldLabel(name)),
    numeric: () => false,
    rows: records.map((record) => columns.map((name) => words(name, record[name]))),
  });
}
