// "Schritt erfassen": records any step of the API's step union on a case, through a form generated from the API's
// schema of that step; and "Neuer Fall": a first contact, the same way.

import { ApiError, getAllPages, newIdempotencyKey, openCase, recordStep } from "./api.js";
import { formatDay, h, message, today } from "./dom.js";
import { EVENT_TYPES, label } from "./labels.js";
import { schemaForm } from "./schema-form.js";
import { DescriptionUnavailable, firstContactSchema, openApiDocument, stepTypes } from "./schema.js";

// Only a lead reassigns a case (API.md's role table); the API refuses it to counsellors anyway.
const LEAD_ONLY = new Set(["counsellor_assigned"]);
const REQUIRED_NOTE = "Mit * markierte Angaben sind Pflicht. Lotse prüft alles beim Speichern und nennt jede Angabe, die nicht passt.";

// `onRecorded(caseAfter)` runs after a step was saved; `reload()` when the case changed in between (412).
export async function stepRecorder({ caseState, session, onRecorded, reload }) {
  const [document, types, offers] = await Promise.all([openApiDocument(), stepTypes(), catalogueOffers()]);
  const closedNote = caseState.status === "closed"
    ? h("p", { class: "message", role: "note" }, "Der Fall ist abgeschlossen. Nach dem Austritt nimmt Lotse nur Schritte an, die danach kommen: Nachbefragung, Situation beim Austritt, Wiederaufnahme, Einwilligung.")
    : null;
  const suggestions = { ...idsInUse(caseState), offer_id: offers };
  return unionRecorder(document, types.filter(({ type }) => !LEAD_ONLY.has(type) || session.role === "lead"), {
    chosen: "counselling_session_held",
    note: closedNote,
    suggestionsFor: () => suggestions,
    send: (step, key) => recordStep(caseState.id, step, caseState.version, key),
    savedText: (step, answer) => `Gespeichert: ${label(EVENT_TYPES, step.type)} (Version ${answer.case.version}).`,
    onRecorded: (answer, text) => onRecorded(answer.case, text),
    afterFailure: "Der Fall ließ sich danach nicht neu laden",
    reload: reload ? { run: reload, text: "Fall neu laden" } : null,
  });
}

// A form that records one step of a record's step union (a case's, an employer's) on the version she saw: the step's
// type chosen first, then a form generated from the API's schema of that type. `types`: [{type, schema}];
// `suggestionsFor(type)`: values to offer while typing, by field name; `send(step, key)` posts it; `savedText(step,
// answer)` says what was saved; `onRecorded(answer, text)` shows the record after it; `reload` ({run, text}) is
// offered when the record changed in between (412).
export function unionRecorder(document, types, { chosen, note = null, suggestionsFor, send, savedText, onRecorded, afterFailure, reload }) {
  const typeSelect = h(
    "select",
    { id: "step-type", name: "type" },
    types.map(({ type }) => h("option", { value: type, selected: type === chosen }, label(EVENT_TYPES, type))),
  );
  const summary = h("div", { id: "step-summary", tabindex: "-1" });
  const fieldsArea = h("div", { id: "step-fields" });
  const submit = h("button", { type: "submit" }, "Schritt speichern");
  let form = null;
  let shown = 0;

  // While the chosen type's form is being made (its suggestions may be read first), nothing can be sent: the fields
  // on screen would be the previous type's.
  const showFields = async () => {
    const mine = ++shown;
    const { type, schema } = types.find((candidate) => candidate.type === typeSelect.value);
    form = null;
    submit.disabled = true;
    fieldsArea.replaceChildren(message("Die Angaben werden geladen …"));
    const suggestions = await suggestionsFor(type);
    if (mine !== shown) return; // she chose another type meanwhile
    form = schemaForm(document, schema, { idPrefix: "schritt", wording: type, preset: { date: today() }, suggestions });
    fieldsArea.replaceChildren(form.element);
    summary.replaceChildren();
    submit.disabled = false;
  };
  typeSelect.addEventListener("change", showFields);

  const element = h(
    "form",
    { id: "step-form", class: "record", novalidate: true },
    note,
    h("div", { class: "field" }, h("label", { for: "step-type" }, "Art des Schritts"), typeSelect),
    h("p", { class: "hint" }, REQUIRED_NOTE),
    fieldsArea,
    summary,
    submit,
  );
  const once = sentOnce(send);
  element.addEventListener("input", once.changed);
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form) return;
    const step = { type: typeSelect.value, ...form.read() };
    submit.disabled = typeSelect.disabled = true; // the form stays the one sent until its answer is shown
    form.clearErrors();
    summary.replaceChildren(message("Wird gespeichert …"));
    let sent;
    try {
      sent = await once.send(step);
    } catch (error) {
      showRefusal(error, form, summary, reload);
      return;
    } finally {
      submit.disabled = typeSelect.disabled = false;
    }
    const saved = savedText(sent.body, sent.answer);
    const text = sent.earlier ? `${saved} ${EARLIER_TEXT}` : saved;
    summary.replaceChildren(message(text));
    submit.disabled = true; // the page is shown again with the record after the step
    try {
      await onRecorded(sent.answer, text);
    } catch (error) {
      submit.disabled = false;
      summary.replaceChildren(message(`${text} ${afterFailure} (${error.message}); bitte laden Sie die Seite neu.`, "error"));
    }
  });
  return showFields().then(() => element);
}

export const EARLIER_TEXT = "Gespeichert wurde schon das erste Senden, mit den Angaben von damals; spätere Änderungen sind nicht gespeichert.";

// Sends a form's request under an Idempotency-Key. Every change of the form makes a new key, except after an unclear
// answer (the connection broke): then the key stays until an answer is certain, so that the write happens once,
// whether she sends it again unchanged or edited. If an edited request is refused because the key already recorded
// the earlier one, that earlier request is sent again and its recorded answer comes back (`earlier: true`).
function sentOnce(post) {
  let key = newIdempotencyKey();
  let unclearBodies = [];
  const settled = () => {
    key = newIdempotencyKey();
    unclearBodies = [];
  };
  return {
    changed: () => { if (!unclearBodies.length) key = newIdempotencyKey(); },
    async send(body) {
      try {
        const answer = await post(body, key);
        settled();
        return { answer, body, earlier: false };
      } catch (error) {
        if (isKeyReused(error)) {
          for (const earlier of unclearBodies) {
            const answer = await post(earlier, key).catch(() => null);
            if (answer) {
              settled();
              return { answer, body: earlier, earlier: true };
            }
          }
        }
        if (error instanceof ApiError && UNCLEAR.has(error.status)) unclearBodies.push(body);
        else settled();
        throw error;
      }
    },
  };
}

const isKeyReused = (error) => error instanceof ApiError && error.status === 422 && /idempotency-key-reused$/.test(error.problem?.type ?? "");

// The agency's catalogue as an enrolment or a plan item names it: each offer's id with its title, provider and start
// (the id alone says nothing to her). Without the catalogue the id can still be typed.
const MOST_OFFERS_OFFERED = 600;

async function catalogueOffers() {
  try {
    const offers = await getAllPages("/offers", {}, MOST_OFFERS_OFFERED);
    return offers.map((offer) => [offer.id, `${offer.title} · ${offer.provider} · ab ${formatDay(offer.starts_on)}`]);
  } catch (error) {
    if (error instanceof ApiError) return [];
    throw error;
  }
}

// The ids the case already holds, by field name (its applications' `application_id`s, its plan's `item_id`s, …): a
// later step refers to them.
function idsInUse(caseState) {
  const found = {};
  const records = Object.values(caseState).flatMap((part) => (Array.isArray(part) ? part : part?.items ?? []));
  for (const record of records) {
    for (const [name, value] of Object.entries(record ?? {})) {
      if (name.endsWith("_id") && typeof value === "string") (found[name] ??= new Set()).add(value);
    }
  }
  return Object.fromEntries(Object.entries(found).map(([name, values]) => [name, [...values]]));
}

// "Neuer Fall (Erstkontakt)": opens a case; `onOpened(case)` then shows it.
export async function firstContactForm({ onOpened }) {
  const [document, schema] = await Promise.all([openApiDocument(), firstContactSchema()]);
  return newEntryForm(document, schema, {
    id: "first-contact",
    idPrefix: "erstkontakt",
    wording: "case_opened",
    preset: { first_contact_on: today() },
    button: "Fall anlegen",
    send: openCase,
    onSaved: (sent) => onOpened(sent.answer),
  });
}

// A form that records something new each time it is sent (a first contact, a short contact, an outreach event):
// generated from the API's `schema`, sent once under an Idempotency-Key, and emptied for the next one once saved,
// under a new key, so that nothing is recorded twice. `onSaved(sent, summary)` gets what `sentOnce` answered.
export function newEntryForm(document, schema, { id, idPrefix, wording, preset, button, send, onSaved }) {
  const blank = () => schemaForm(document, schema, { idPrefix, wording, preset });
  let form = blank();
  const summary = h("div", { id: `${id}-summary`, tabindex: "-1" });
  const submit = h("button", { type: "submit" }, button);
  const once = sentOnce(send);
  const element = h("form", { id: `${id}-form`, class: "record", novalidate: true }, h("p", { class: "hint" }, REQUIRED_NOTE), form.element, summary, submit);
  element.addEventListener("input", once.changed);
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    form.clearErrors();
    summary.replaceChildren(message("Wird gespeichert …"));
    let sent;
    try {
      sent = await once.send(form.read());
    } catch (error) {
      submit.disabled = false;
      showRefusal(error, form, summary, null);
      return;
    }
    const emptied = blank();
    form.element.replaceWith(emptied.element);
    form = emptied;
    summary.replaceChildren();
    submit.disabled = false;
    await onSaved(sent, summary);
  });
  return element;
}

// Answers after which nobody knows whether the write was committed: the connection broke, or a proxy gave up.
const UNCLEAR = new Set([0, 502, 504]);
const UNCLEAR_TEXT =
  "Ob gespeichert wurde, ist unklar: Die Verbindung zum Lotse-Dienst brach ab. Senden Sie dieselben Angaben unverändert noch einmal – Lotse erkennt die Wiederholung und speichert nichts doppelt.";

// The API's German refusal: each field's message next to it, the rule and anything not placed above the button.
function showRefusal(error, form, summary, reload) {
  if (!(error instanceof ApiError)) throw error;
  const problem = error.problem ?? {};
  const unplaced = form.showErrors(problem.errors ?? []);
  // What is said beside its field is not said again here with the API's field names (`language: …`).
  const placed = (problem.errors ?? []).length - unplaced.length;
  const marked = placed === 1 ? "Bitte das markierte Feld prüfen." : `Bitte die ${placed} markierten Felder prüfen.`;
  const text = placed > 0 ? `${problem.title ?? "Ungültige Angaben"}: ${marked}` : problem.title && problem.detail ? `${problem.title}: ${problem.detail}` : error.message;
  summary.replaceChildren(
    h(
      "div",
      { class: "message error", role: "alert" },
      h("p", {}, UNCLEAR.has(error.status) ? UNCLEAR_TEXT : `Nicht gespeichert. ${text}`),
      unplaced.length ? h("ul", {}, unplaced.map((item) => h("li", {}, item.message))) : null,
      error.status === 412 && reload ? h("button", { type: "button", onclick: reload.run }, reload.text) : null,
    ),
  );
  const firstInvalid = form.element.querySelector("[aria-invalid='true']");
  (firstInvalid ?? summary).focus();
}

// A form made from the API's description (`make()`), or, when that description cannot be had, a note saying that
// `what` cannot be recorded just now: the rest of the page shows either way.
export async function formOrNote(make, what) {
  try {
    return await make();
  } catch (error) {
    if (!(error instanceof DescriptionUnavailable)) throw error;
    return message(`${what} lassen sich gerade nicht erfassen: ${error.message} Bitte laden Sie die Seite später neu.`, "error");
  }
}
