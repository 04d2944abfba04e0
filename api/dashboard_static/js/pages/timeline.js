// "Fälle" (#/fallverlauf): one case with everything it holds (its state, the person, profile, qualifications, applications,
// courses, exams, referrals, plan, deadlines) and its history as a timeline; counsellors and leads record its next
// step here. Auditors see the case as of any version and verify the whole event log; no personal data reach them.

import { ApiError, getJson } from "../api.js";
import { fieldList, recordsTable, words } from "../case-parts.js";
import { casePicker } from "../case-search.js";
import { formatDay, formatInstant, formatNumber, h, message, section, shortId, table } from "../dom.js";
import { PLAN_ITEM_KINDS, PLAN_ITEM_STATUSES, STAGES, STATUSES, fieldLabel, label } from "../labels.js";
import { matchingSection } from "../offers.js";
import { DescriptionUnavailable } from "../schema.js";
import { stepRecorder } from "../step-recorder.js";
import { timelineList } from "../timeline-list.js";

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The case's parts shown in sections of their own; whatever else a release adds to the case shows under
// "Weitere Angaben", so nothing the case holds stays hidden.
const SHOWN = new Set([
  "id", "version", "agency", "counsellor", "status", "stage", "opened_on", "closed_on", "last_contact_on", "last_step_on",
  "recorded_at", "profile", "personal", "personal_data_erased", "channel", "referral_source", "special_categories_consent",
  "age_at_entry", "age_exact", "participant_id", "qualifications", "assessments", "applications", "courses", "exams",
  "referrals", "plan", "deadlines", "exit", "leaving_situation", "follow_up", "follow_ups",
]);

export async function render(container, { session, rest }) {
  const [caseId] = rest;
  if (!caseId) {
    await casePicker(container, session);
    return;
  }
  if (!CASE_ID.test(caseId)) {
    container.append(message("Das ist keine Fall-ID. Eine Fall-ID sieht so aus: 8f14e45f-ceea-467f-a0e6-1fd3a3e0f2a1. Nach Namen suchen Sie unter „Fälle“.", "error"));
    return;
  }
  await showCase(container, session, caseId, null);
}

async function showCase(container, session, caseId, notice) {
  const [current, history] = await Promise.all([getJson(`/cases/${caseId}`), getJson(`/cases/${caseId}/history`)]);
  const heading = container.querySelector("h1");
  const name = current.personal?.name;
  heading.textContent = name ? `Fall: ${name}` : `Fall ${shortId(caseId)}`;
  container.replaceChildren(heading);
  // Not the name: a window's title ends up in the browser's history, its tabs and screen-sharing bars.
  document.title = `Fall ${shortId(caseId)} – Lotse`;

  const stateArea = h("div", { id: "case-state" });
  const timeline = timelineList(history.events, { erased: current.personal_data_erased });
  const showState = (state) => {
    stateArea.replaceChildren(stateList(state, current.version));
    for (const item of timeline.children) item.classList.toggle("later", Number(item.dataset.version) > state.version);
  };
  showState(current);

  const auditing = session.role === "auditor";
  const recording = ["counsellor", "lead"].includes(session.role);
  const again = async (caseAfter, text) => {
    await showCase(container, session, caseId, text);
    container.querySelector("#step-notice")?.focus();
  };
  const reload = async () => {
    await showCase(container, session, caseId, null);
    container.querySelector("#step-form select, #step-form input")?.focus();
  };
  const recorder = recording ? await recorderOrNote({ caseState: current, session, onRecorded: again, reload }) : null;
  // Matching reads the client's address (for the distance): counsellors and leads only, as the API decides.
  const matching = recording ? await matchingSection(caseId) : null;

  const sections = [
    section("Stand", stateArea, auditing ? asOfForm(caseId, current, showState) : null, auditing ? asOfInstantForm(caseId, current, showState) : null),
    recorder ? section("Schritt erfassen", recorder) : null,
    section("Person", personSection(current, auditing)),
    section("Profil", fieldList({ ...current.profile, channel: current.channel, referral_source: current.referral_source, special_categories_consent: current.special_categories_consent, age_at_entry: current.age_at_entry }, { id: "profile" })),
    section("Abschlüsse", recordsTable(current.qualifications, { id: "qualifications-table", none: "Noch kein Abschluss erfasst." })),
    section("Kompetenzfeststellungen", recordsTable(current.assessments, { id: "assessments-table", none: "Noch keine Kompetenzfeststellung." })),
    section("Anerkennungsanträge", recordsTable(current.applications, { id: "applications-table", none: "Noch kein Anerkennungsantrag." })),
    section("Kurse", recordsTable(current.courses, { id: "courses-table", none: "Noch kein Kurs." })),
    section("Prüfungen", recordsTable(current.exams, { id: "exams-table", none: "Noch keine Prüfung." })),
    section("Weiterleitungen", recordsTable(current.referrals, { id: "referrals-table", none: "Noch keine Weiterleitung." })),
    section("Qualifizierungsplan", planTable(current)),
    section("Fristen", recordsTable(current.deadlines, { id: "deadlines-table", none: "Keine offenen Fristen." })),
    section("Austritt und Nachbefragung", exitSection(current)),
    otherFields(current),
    ...(auditing ? [section("Integrität des Ereignisprotokolls", verification())] : []),
    matching,
    section("Verlauf", h("p", { class: "hint" }, `${formatNumber(history.events.length)} Ereignisse, das älteste zuerst.`), timeline),
  ].filter(Boolean);

  container.append(
    ...[
      h("p", { class: "back" }, h("a", { href: "#/fallverlauf" }, "← Alle Fälle")),
      notice ? h("p", { id: "step-notice", class: "message success", role: "status", tabindex: "-1" }, notice) : null,
      contents(sections),
      ...sections,
    ].filter(Boolean),
  );
}

// "Auf dieser Seite": the long case page's sections, one click away.
function contents(sections) {
  const links = sections.map((part) => {
    const heading = part.querySelector("h2");
    return h("li", {}, h("a", { href: `#${heading.id}`, onclick: (event) => { event.preventDefault(); heading.scrollIntoView(); } }, heading.textContent));
  });
  return h("nav", { class: "contents", "aria-label": "Auf dieser Seite" }, h("ul", {}, links));
}

function personSection(state, auditing) {
  if (state.personal_data_erased) return message("Die personenbezogenen Daten dieses Falls sind gelöscht (DSGVO Art. 17).");
  if (auditing || !state.personal) return message("Personenbezogene Daten sehen nur Beratung und Teamleitung.");
  return fieldList(state.personal, { id: "personal", only: ["name", "birth_date", "email", "phone", "address"], keepEmpty: true });
}

function exitSection(state) {
  if (!state.exit && !state.leaving_situation && !state.follow_ups?.length) return message("Der Fall ist offen: noch kein Austritt.");
  return h(
    "div",
    {},
    state.exit ? fieldList(state.exit, { id: "exit" }) : null,
    state.leaving_situation ? h("div", {}, h("h3", {}, fieldLabel("leaving_situation")), fieldList(state.leaving_situation, { id: "leaving-situation", keepEmpty: true })) : null,
    h("h3", {}, fieldLabel("follow_ups")),
    recordsTable(state.follow_ups, { id: "follow-ups-table", none: "Noch keine Nachbefragung." }),
  );
}

function otherFields(state) {
  const others = Object.keys(state).filter((name) => !SHOWN.has(name));
  return others.length ? section("Weitere Angaben", fieldList(state, { id: "other-fields", only: others })) : null;
}

// The plan agreed with the client: each item with its target date and whether it is open, done or overdue.
function planTable(state) {
  const items = state.plan?.items ?? [];
  if (!items.length) return message("Mit der Person ist noch kein Qualifizierungsplan vereinbart.");
  return table({
    id: "plan-table",
    caption: `Vereinbart am ${formatDay(state.plan.agreed_on)}`,
    columns: ["Schritt", "Art", "Beschreibung", "Zieldatum", "Stand"],
    numeric: () => false,
    rows: items.map((item) => [
      item.item_id,
      label(PLAN_ITEM_KINDS, item.kind),
      item.description ?? "–",
      formatDay(item.target_date),
      h("span", { class: `plan-${item.status}` }, `${label(PLAN_ITEM_STATUSES, item.status)}${item.done_on ? ` am ${formatDay(item.done_on)}` : ""}`),
    ]),
  });
}

function stateList(state, latestVersion) {
  const heading = state.version === latestVersion ? `Aktueller Stand (Version ${state.version})` : `Stand bei Version ${state.version} von ${latestVersion}`;
  const rows = [
    ["Status", label(STATUSES, state.status)],
    ["Phase", label(STAGES, state.stage)],
    ["Beratung", state.counsellor],
    ["Träger", state.agency],
    ["Erstkontakt", formatDay(state.opened_on)],
    ["Austritt", formatDay(state.closed_on)],
    ["Letzter Kontakt", formatDay(state.last_contact_on)],
    ["Zielberuf", state.profile.target_occupation ?? "–"],
  ];
  if (state.personal?.name) rows.splice(0, 0, ["Name", state.personal.name]);
  if (state.personal_data_erased) rows.push(["Personenbezogene Daten", "gelöscht"]);
  const deadlines = state.deadlines.map((deadline) => `${words("kind", deadline.kind)}: ${formatDay(deadline.due)}`);
  rows.push(["Fristen", deadlines.length ? deadlines.join("; ") : "keine"]);
  return h(
    "div",
    {},
    h("h3", { id: "state-heading" }, heading),
    h("dl", { class: "state", "data-version": state.version }, rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))),
  );
}

function asOfForm(caseId, current, showState) {
  const input = h("input", { id: "as-of-version", name: "version", type: "number", min: 1, max: current.version, value: current.version, required: true, inputmode: "numeric" });
  const status = h("p", { class: "message error", role: "alert", hidden: true });
  const form = h(
    "form",
    { id: "as-of-form", class: "inline" },
    h("label", { for: "as-of-version" }, `Stand bei Version (1–${current.version})`),
    input,
    h("button", { type: "submit" }, "Stand anzeigen"),
    h("button", { type: "button", class: "secondary", onclick: () => { input.value = current.version; showState(current); } }, "Aktueller Stand"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    const version = Number(input.value);
    if (!Number.isInteger(version) || version < 1 || version > current.version) {
      status.textContent = `Bitte eine Version von 1 bis ${current.version} angeben.`;
      status.hidden = false;
      return;
    }
    try {
      showState(await getJson(`/cases/${caseId}`, { as_of_version: version }));
    } catch (error) {
      status.textContent = error.message;
      status.hidden = false;
    }
  });
  return form;
}

// The case as it was recorded at an instant (the times the timeline shows under "erfasst … am"): every step recorded
// until then, none after, whatever day a step names.
function asOfInstantForm(caseId, current, showState) {
  const input = h("input", { id: "as-of-instant", name: "as_of", type: "datetime-local", required: true, step: 1 });
  const status = h("p", { class: "message error", role: "alert", hidden: true });
  const form = h(
    "form",
    { id: "as-of-instant-form", class: "inline" },
    h("label", { for: "as-of-instant" }, "Stand, wie er erfasst war am"),
    input,
    h("button", { type: "submit" }, "Stand zum Zeitpunkt anzeigen"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    const instant = new Date(input.value); // the browser's local time, sent as an instant with its offset
    if (!input.value || Number.isNaN(instant.getTime())) {
      status.textContent = "Bitte Datum und Uhrzeit vollständig angeben.";
      status.hidden = false;
      return;
    }
    try {
      showState(await getJson(`/cases/${caseId}`, { as_of: instant.toISOString() }));
    } catch (error) {
      status.textContent = error instanceof ApiError && error.status === 404
        ? `Am ${formatInstant(instant.toISOString())} war der Fall noch nicht erfasst: Sein Erstkontakt wurde später gespeichert.`
        : error.message;
      status.hidden = false;
    }
  });
  return form;
}

function verification() {
  const result = h("div", { id: "verification", role: "status" });
  const button = h("button", { type: "button", id: "verify" }, "Ereignisprotokoll jetzt prüfen");
  button.addEventListener("click", async () => {
    button.disabled = true;
    result.replaceChildren(h("p", {}, "Die Prüfung läuft …"));
    try {
      const report = await getJson("/audit/verify");
      result.replaceChildren(verificationReport(report));
    } catch (error) {
      result.replaceChildren(message(error.message, "error"));
    } finally {
      button.disabled = false;
    }
  });
  return h("div", {}, h("p", { class: "hint" }, "Berechnet die Hash-Kette über alle Ereignisse aller Fälle neu und prüft sie gegen die gespeicherten Kettenglieder und die signierten Prüfpunkte."), button, result);
}

function verificationReport(report) {
  // Without a signed checkpoint the chain was checked only against itself: whoever could rewrite the log could have
  // rewritten its chain too, and the page must not claim more than was checked.
  const verdict = !report.ok
    ? h("p", { class: "message error" }, `Abweichung ab Position ${report.first_bad_position}: ${report.problem ?? "unbekannt"}`)
    : report.checkpoints_checked > 0
      ? h("p", { class: "message success" }, "Unverändert: Das Ereignisprotokoll stimmt mit seiner Hash-Kette und den signierten Prüfpunkten überein.")
      : h(
          "p",
          { class: "message warning", id: "no-checkpoint" },
          "Die Hash-Kette ist in sich stimmig. Es gibt aber noch keinen signierten Prüfpunkt: Gegen eine Änderung von Protokoll und Kette zugleich ist damit nichts geprüft. Der Betrieb legt Prüfpunkte mit „lotse audit checkpoint“ an (am besten täglich); bitte dort anfragen.",
        );
  const rows = [
    ["Geprüfte Ereignisse", formatNumber(report.events_checked)],
    ["Bis Position", formatNumber(report.position)],
    ["Kettenkopf", h("code", { class: "digest" }, report.head)],
    ["Geprüfte Prüfpunkte", formatNumber(report.checkpoints_checked)],
  ];
  return h("div", {}, verdict, h("dl", { class: "state", id: "verification-figures" }, rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))));
}

// Without the API's description (openapi.json) no form can be made; the case itself is still shown.
async function recorderOrNote(options) {
  try {
    return await stepRecorder(options);
  } catch (error) {
    if (!(error instanceof DescriptionUnavailable)) throw error;
    return message(`Schritte lassen sich gerade nicht erfassen: ${error.message} Bitte laden Sie die Seite später neu.`, "error");
  }
}
