// A form generated from one of the API's request schemas: a control per field, labelled in German from the
// vocabulary, read back into the request body, and a refusal's messages shown next to the fields they name.
//
// What the form checks itself is nothing: the API checks everything and answers in German for every offending field
// at once, so the form can never accept what the API refuses, or refuse what it accepts.

import { h } from "./dom.js";
import { LIST_ENTRIES, NEW_IDS, VALUES_OF, fieldLabel, label, valueLabel } from "./labels.js";
import { unwrap } from "./schema.js";

let controlCount = 0;
const nextId = (prefix) => `${prefix}-${++controlCount}`;

// `wording`: the step type whose own labels apply (STEP_FIELDS), `preset`: values to start with by field name,
// `suggestions`: values already in use by field name (the case's application ids), offered while typing.
export function schemaForm(document, schema, { idPrefix, wording = null, preset = {}, suggestions = {} }) {
  const context = { document, idPrefix, wording, preset, suggestions };
  const fields = objectFields(context, schema, []);
  const element = h("div", { class: "schema-form" }, fields.elements);
  return {
    element,
    read: () => fields.read() ?? {},
    // Shows each error next to the field it names (`items.0.target_date`, `topics.2`: the nearest field holding the
    // path); answers those that name no field of the form.
    showErrors(errors) {
      clearErrors(element);
      const unplaced = [];
      for (const error of errors) {
        const target = fieldHolding(element, error.field);
        if (!target || !showError(target, error.message)) unplaced.push(error);
      }
      return unplaced;
    },
    clearErrors: () => clearErrors(element),
  };
}

// A set of changes (a profile's correction), as the API marks it: a field left out stays as it is, and a field that
// may be null is cleared by sending null.
const isChanges = (schema) => schema["x-lotse-partial"] === true;

function objectFields(context, schema, path) {
  const required = new Set(schema.required ?? []);
  const changes = isChanges(schema);
  const children = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const { schema: field, nullable } = unwrap(context.document, property);
    if ("const" in field) continue; // the step's type: chosen with the form, not in it
    const made = control(context, field, { name, path: [...path, name], required: required.has(name) && !nullable, changes });
    children.push([name, changes && nullable ? clearable(made, fieldLabel(name, context.wording)) : made]);
  }
  return {
    elements: children.map(([, child]) => child.element),
    read() {
      const body = {};
      for (const [name, child] of children) {
        const value = child.read();
        if (value !== undefined) body[name] = value;
      }
      return Object.keys(body).length ? body : undefined;
    },
  };
}

function control(context, schema, field) {
  const type = schema.type ?? (schema.properties ? "object" : "string");
  if (type === "object") return fieldset(context, schema, field);
  if (type === "array") {
    const { schema: items } = unwrap(context.document, schema.items ?? {});
    if (items.type === "object" || items.properties) return repeatedGroup(context, schema, items, field);
    return items.enum ? choices(context, items, field) : lines(context, schema, field);
  }
  if (schema.enum) return choice(context, schema, field);
  // A yes/no that must be answered is asked, not preset: an unticked box would say "no" for her.
  if (type === "boolean") return "default" in schema ? checkbox(context, schema, field) : yesNo(context, field);
  if (type === "integer" || type === "number") return number(context, schema, field);
  return text(context, schema, field);
}

function presetOf(context, field, fallback) {
  return field.path.length === 1 && field.name in context.preset ? context.preset[field.name] : fallback;
}

const nothingChosen = (field) => (field.required ? "– bitte wählen –" : field.changes ? "– unverändert –" : "– keine Angabe –");

function labelText(context, field) {
  return `${fieldLabel(field.name, context.wording)}${field.required ? " *" : ""}`;
}

// One labelled control with its place for an error; `read` turns what was entered into the body's value, or
// undefined for nothing entered (left out of the body: the API then applies its default or names it as missing).
function leaf(context, field, input, read, { hint = null, labelAfter = false } = {}) {
  const id = nextId(context.idPrefix);
  const error = h("p", { class: "field-error", id: `${id}-fehler`, hidden: true });
  const hintElement = hint ? h("p", { class: "hint", id: `${id}-hinweis` }, hint) : null;
  input.id = id;
  input.name = field.path.join(".");
  if (field.required && input.type !== "checkbox") input.setAttribute("aria-required", "true");
  input.setAttribute("aria-describedby", [hintElement?.id, error.id].filter(Boolean).join(" "));
  const label = h("label", { for: id }, labelText(context, field));
  const element = h(
    "div",
    { class: labelAfter ? "field checkbox" : "field", "data-path": field.path.join(".") },
    labelAfter ? [input, label] : [label, input],
    hintElement,
    error,
  );
  return { element, read, input };
}

// Text longer than the API takes is not cut off here (no maxlength): the API names the field and its limit.
function text(context, schema, field) {
  const long = (schema.maxLength ?? 0) > 300;
  const initial = presetOf(context, field, schema.default ?? "");
  const date = schema.format === "date";
  const input = long
    ? h("textarea", { rows: 3 })
    : h("input", { type: date ? "date" : "text", autocomplete: "off", spellcheck: schema.pattern ? "false" : null });
  input.value = initial ?? "";
  const givesId = (NEW_IDS[context.wording] ?? []).includes(field.name);
  const hint = date ? null : schema.pattern ? patternHint(schema.pattern, field.name, givesId) : null;
  // A date typed only in part is sent as such, so the API refuses it instead of it vanishing from the body; the
  // field then says what is wrong in the words of the date field (TT.MM.JJJJ), not the API's (JJJJ-MM-TT).
  const read = () => {
    const incomplete = input.value.trim() === "" && input.validity.badInput;
    input.closest(".field")?.toggleAttribute("data-incomplete", incomplete);
    return incomplete ? "unvollständig" : input.value.trim() === "" ? undefined : input.value.trim();
  };
  const made = leaf(context, field, input, read, { hint });
  // A code the vocabulary words (a language: "ar" is "Arabisch") is offered from its words, an id the step refers to
  // from those the case holds or the catalogue lists (not where the step gives a new one), a suggestion either a
  // value or a value with its words; anything else may be typed.
  const offered = [
    ...(schema.pattern ? Object.entries(VALUES_OF[field.name] ?? {}) : []),
    ...(givesId ? [] : context.suggestions[field.name] ?? []).map((value) => (Array.isArray(value) ? value : [value, null])),
  ];
  if (offered.length) {
    const list = h("datalist", { id: `${input.id}-werte` }, offered.map(([value, word]) => h("option", { value, label: word })));
    input.setAttribute("list", list.id);
    made.element.append(list);
  }
  return made;
}

const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]*$";
const PATTERN_HINTS = {
  "^[A-Z]{2}$": "Ländercode aus zwei Großbuchstaben, z. B. SY",
  "^[a-z]{2}$": "Sprachcode aus zwei Kleinbuchstaben, z. B. de, ar, tr",
  "^[0-9]{5}$": "Fünf Ziffern, z. B. 29302",
  "^[A-Za-z0-9][A-Za-z0-9._@-]*$": "Die Kennung der Beraterin oder des Beraters, mit der sie sich anmeldet, z. B. ayse",
};

function patternHint(pattern, name, givesId) {
  if (pattern !== ID_PATTERN) return PATTERN_HINTS[pattern] ?? null;
  if (name === "offer_id") return "Die Kennung eines Angebots aus dem Kurskatalog (unter „Kurse“ oder „Passende Angebote“)";
  if (givesId) return "Eine neue Kennung, die der Fall noch nicht hat, ohne Leerzeichen, z. B. antrag-2";
  return "Die Kennung, unter der der Fall sie führt: aus der Liste wählen";
}

function number(context, schema, field) {
  const input = h("input", { type: "number", inputmode: "numeric", min: schema.minimum, max: schema.maximum, step: schema.type === "integer" ? 1 : "any" });
  input.value = presetOf(context, field, schema.default ?? "") ?? "";
  // A number the browser cannot read stays text, so the API names it instead of it vanishing from the body.
  return leaf(context, field, input, () => (input.value.trim() === "" ? (input.validity.badInput ? "?" : undefined) : Number(input.value)));
}

function choice(context, schema, field) {
  const initial = presetOf(context, field, schema.default ?? "");
  const select = h(
    "select",
    {},
    h("option", { value: "" }, nothingChosen(field)),
    schema.enum.map((value) => h("option", { value: String(value), selected: String(value) === String(initial) }, valueLabel(field.name, value))),
  );
  return leaf(context, field, select, () => {
    if (select.value === "") return undefined;
    return schema.enum.find((value) => String(value) === select.value);
  });
}

function checkbox(context, schema, field) {
  const input = h("input", { type: "checkbox" });
  input.checked = Boolean(presetOf(context, field, schema.default ?? false));
  return leaf(context, field, input, () => input.checked, { labelAfter: true });
}

// A yes or no: asked with nothing chosen; where optional it may stay unsaid (a correction that leaves it as it is, a
// follow-up that did not ask).
function yesNo(context, field) {
  const select = h("select", {}, h("option", { value: "" }, nothingChosen(field)), h("option", { value: "true" }, "ja"), h("option", { value: "false" }, "nein"));
  return leaf(context, field, select, () => (select.value === "" ? undefined : select.value === "true"));
}

// A field of a set of changes that may be null: "Angabe löschen" sends null, which removes what the case holds.
function clearable(made, fieldWord) {
  if (!made.input) return made;
  const box = h("input", { type: "checkbox", id: `${made.input.id}-loeschen` });
  box.addEventListener("change", () => { made.input.disabled = box.checked; });
  made.element.append(h("div", { class: "field checkbox" }, box, h("label", { for: box.id }, `${fieldWord} löschen`)));
  return { element: made.element, read: () => (box.checked ? null : made.read()) };
}

// A list of values from a fixed set (an employer's counselling topics, an offer's funding): a box for each, in the
// API's order; what is ticked is sent in that order.
function choices(context, items, field) {
  const initial = new Set((presetOf(context, field, []) ?? []).map(String));
  const boxes = items.enum.map((value) => {
    const box = h("input", { type: "checkbox", id: nextId(context.idPrefix), name: field.path.join("."), value: String(value) });
    box.checked = initial.has(String(value));
    return { value, box, element: h("div", { class: "field checkbox" }, box, h("label", { for: box.id }, valueLabel(field.name, value))) };
  });
  const error = h("p", { class: "field-error", id: `${nextId(context.idPrefix)}-fehler`, hidden: true });
  const element = h(
    "fieldset",
    { class: "group choices", "data-path": field.path.join("."), "aria-describedby": error.id },
    h("legend", {}, labelText(context, field)),
    error,
    boxes.map((choice) => choice.element),
  );
  const read = () => {
    const ticked = boxes.filter((choice) => choice.box.checked).map((choice) => choice.value);
    return ticked.length || field.required ? ticked : undefined;
  };
  return { element, read };
}

// A list of short texts: one per line.
function lines(context, schema, field) {
  const textarea = h("textarea", { rows: 3 });
  const initial = presetOf(context, field, schema.default ?? []);
  textarea.value = (initial ?? []).join("\n");
  const read = () => {
    const entries = textarea.value.split("\n").map((line) => line.trim()).filter(Boolean);
    return entries.length || field.required ? entries : undefined;
  };
  return leaf(context, field, textarea, read, { hint: "Eine Angabe je Zeile." });
}

function fieldset(context, schema, field) {
  const inner = objectFields(context, schema, field.path);
  const error = h("p", { class: "field-error", id: `${nextId(context.idPrefix)}-fehler`, hidden: true });
  const hint = isChanges(schema)
    ? h("p", { class: "hint", id: `${error.id}-hinweis` }, "Geändert wird nur, was Sie eintragen oder wählen; leere Felder bleiben, wie sie sind.")
    : null;
  const element = h(
    "fieldset",
    { class: "group", "data-path": field.path.join("."), "aria-describedby": [hint?.id, error.id].filter(Boolean).join(" ") },
    h("legend", {}, labelText(context, field)),
    hint,
    error,
    inner.elements,
  );
  const read = () => inner.read() ?? (field.required ? {} : undefined);
  return { element, read };
}

// A list of objects (the plan's items): one group per entry, added and removed by the user; paths are renumbered so
// an error about `items.1.target_date` lands in the second entry shown.
function repeatedGroup(context, schema, items, field) {
  const entries = [];
  const list = h("div", { class: "entries" });
  const error = h("p", { class: "field-error", id: `${nextId(context.idPrefix)}-fehler`, hidden: true });
  const entryName = label(LIST_ENTRIES, field.name);

  // Adding or removing an entry changes what would be sent, as typing does (a new Idempotency-Key, say).
  const changed = () => list.dispatchEvent(new Event("input", { bubbles: true }));

  function renumber() {
    entries.forEach((entry, index) => {
      entry.legend.textContent = `${entryName} ${index + 1}`;
      entry.remove.setAttribute("aria-label", `${entryName} ${index + 1} entfernen`);
      entry.element.dataset.path = [...field.path, index].join(".");
      for (const inner of entry.element.querySelectorAll("[data-path]")) {
        const parts = inner.dataset.path.split(".");
        parts[field.path.length] = String(index);
        inner.dataset.path = parts.join(".");
      }
      entry.remove.hidden = entries.length <= (schema.minItems ?? 0);
    });
  }

  function add() {
    const index = entries.length;
    const inner = objectFields(context, items, [...field.path, index]);
    const legend = h("legend", {});
    const remove = h("button", { type: "button", class: "secondary" }, "Entfernen");
    const entryError = h("p", { class: "field-error", id: `${nextId(context.idPrefix)}-fehler`, hidden: true });
    const element = h("fieldset", { class: "group entry", "aria-describedby": entryError.id }, legend, entryError, inner.elements, remove);
    const entry = { element, legend, remove, read: () => inner.read() ?? {} };
    remove.addEventListener("click", () => {
      const index = entries.indexOf(entry);
      entries.splice(index, 1);
      element.remove();
      renumber();
      changed();
      // Focus stays in the list: on the entry that took this one's place, or on the button that adds one.
      (entries[Math.min(index, entries.length - 1)]?.element.querySelector("input, select, textarea") ?? addButton).focus();
    });
    entries.push(entry);
    list.append(element);
    renumber();
    return entry;
  }

  for (let count = 0; count < Math.max(schema.minItems ?? 0, 1); count++) add();
  const addButton = h("button", { type: "button", class: "secondary" }, `${entryName} hinzufügen`);
  addButton.addEventListener("click", () => {
    const entry = add();
    changed();
    entry.element.querySelector("input, select, textarea")?.focus();
  });
  const element = h(
    "fieldset",
    { class: "group", "data-path": field.path.join("."), "aria-describedby": error.id },
    h("legend", {}, labelText(context, field)),
    error,
    list,
    addButton,
  );
  return { element, read: () => entries.map((entry) => entry.read()) };
}

function fieldHolding(form, path) {
  const parts = String(path).split(".");
  for (let length = parts.length; length > 0; length--) {
    const found = form.querySelector(`[data-path="${CSS.escape(parts.slice(0, length).join("."))}"]`);
    if (found) return found;
  }
  return null;
}

const INCOMPLETE_DATE = "Das Datum ist unvollständig: bitte Tag, Monat und Jahr eintragen.";

function showError(target, message) {
  const slot = target.querySelector(":scope > .field-error");
  if (!slot) return false;
  const text = target.hasAttribute("data-incomplete") ? INCOMPLETE_DATE : message;
  slot.textContent = slot.hidden ? text : `${slot.textContent} ${text}`;
  slot.hidden = false;
  target.classList.add("invalid");
  target.querySelector(":scope > input, :scope > select, :scope > textarea")?.setAttribute("aria-invalid", "true");
  return true;
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
  for (const invalid of form.querySelectorAll(".invalid")) invalid.classList.remove("invalid");
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}
