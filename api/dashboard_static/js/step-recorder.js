// "Schritt erfassen": records any step of the API's step union on a case, through a form generated from the API's
// schema of that step; and "Neuer Fall": a first contact, the same way.

import { ApiError, newIdempotencyKey, openCase, recordStep } from "./api.js";
import { h, message, today } from "./dom.js";
import { EVENT_TYPES, label } from "./labels.js";
import { schemaForm } from "./schema-form.js";
import { firstContactSchema, openApiDocument, stepTypes } from "./schema.js";

// Only a lead reassigns a case (API.md's role table); the API refuses it to counsellors anyway.
const LEAD_ONLY = new Set(["counsellor_assigned"]);
const REQUIRED_NOTE = "Mit * markierte Angaben sind Pflicht. Lotse prüft alles beim Speichern und nennt jede Angabe, die nicht passt.";

// `onRecorded(caseAfter)` runs after a step was saved; `reload()` when the case changed in between (412).
export async function stepRecorder({ caseState, session, onRecorded, reload }) {
  const [document, types] = await Promise.all([openApiDocument(), stepTypes()]);
  const offered = types.filter(({ type }) => !LEAD_ONLY.has(type) || session.role === "lead");
  const typeSelect = h(
    "select",
    { id: "step-type", name: "type" },
    offered.map(({ type }) => h("option", { value: type, selected: type === "counselling_session_held" }, label(EVENT_TYPES, type))),
  );
  const summary = h("div", { id: "step-summary", tabindex: "-1" });
  const fieldsArea = h("div", { id: "step-fields" });
  const submit = h("button", { type: "submit" }, "Schritt speichern");
  let form = null;
  let idempotencyKey = newIdempotencyKey();

  const showFields = () => {
    const { type, schema } = offered.find((candidate) => candidate.type === typeSelect.value);
    form = schemaForm(document, schema, { idPrefix: "schritt", wording: type, preset: { date: today() } });
    fieldsArea.replaceChildren(form.element);
    summary.replaceChildren();
  };
  typeSelect.addEventListener("change", showFields);
  showFields();

  const closedNote = caseState.status === "closed"
    ? h("p", { class: "message", role: "note" }, "Der Fall ist abgeschlossen. Nach dem Austritt nimmt Lotse nur Schritte an, die danach kommen: Nachbefragung, Situation beim Austritt, Wiederaufnahme, Einwilligung.")
    : null;
  const element = h(
    "form",
    { id: "step-form", class: "record", novalidate: true },
    closedNote,
    h("div", { class: "field" }, h("label", { for: "step-type" }, "Art des Schritts"), typeSelect),
    h("p", { class: "hint" }, REQUIRED_NOTE),
    fieldsArea,
    summary,
    submit,
  );
  // A retry of the same entries (after a lost answer) keeps its key and so records nothing twice; a change is new.
  element.addEventListener("input", () => { idempotencyKey = newIdempotencyKey(); });
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const step = { type: typeSelect.value, ...form.read() };
    submit.disabled = true;
    form.clearErrors();
    summary.replaceChildren(message("Wird gespeichert …"));
    try {
      const recorded = await recordStep(caseState.id, step, caseState.version, idempotencyKey);
      idempotencyKey = newIdempotencyKey();
      summary.replaceChildren();
      await onRecorded(recorded.case, `Gespeichert: ${label(EVENT_TYPES, step.type)} (Version ${recorded.case.version}).`);
    } catch (error) {
      showRefusal(error, form, summary, reload);
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

// "Neuer Fall (Erstkontakt)": opens a case; `onOpened(case)` then shows it.
export async function firstContactForm({ onOpened }) {
  const [document, schema] = await Promise.all([openApiDocument(), firstContactSchema()]);
  const form = schemaForm(document, schema, { idPrefix: "erstkontakt", wording: "case_opened", preset: { first_contact_on: today() } });
  const summary = h("div", { id: "first-contact-summary", tabindex: "-1" });
  const submit = h("button", { type: "submit" }, "Fall anlegen");
  let idempotencyKey = newIdempotencyKey();
  const element = h("form", { id: "first-contact-form", class: "record", novalidate: true }, h("p", { class: "hint" }, REQUIRED_NOTE), form.element, summary, submit);
  element.addEventListener("input", () => { idempotencyKey = newIdempotencyKey(); });
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    form.clearErrors();
    summary.replaceChildren(message("Wird gespeichert …"));
    try {
      const opened = await openCase(form.read(), idempotencyKey);
      idempotencyKey = newIdempotencyKey();
      await onOpened(opened);
    } catch (error) {
      showRefusal(error, form, summary, null);
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

// The API's German refusal: each field's message next to it, the rule and anything not placed above the button.
function showRefusal(error, form, summary, reload) {
  if (!(error instanceof ApiError)) throw error;
  const problem = error.problem ?? {};
  const unplaced = form.showErrors(problem.errors ?? []);
  const text = problem.title && problem.detail ? `${problem.title}: ${problem.detail}` : error.message;
  summary.replaceChildren(
    h(
      "div",
      { class: "message error", role: "alert" },
      h("p", {}, `Nicht gespeichert. ${text}`),
      unplaced.length ? h("ul", {}, unplaced.map((item) => h("li", {}, item.message))) : null,
      error.status === 412 && reload ? h("button", { type: "button", onclick: reload }, "Fall neu laden") : null,
    ),
  );
  const firstInvalid = form.element.querySelector("[aria-invalid='true']");
  (firstInvalid ?? summary).focus();
}
