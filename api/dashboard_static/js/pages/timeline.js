// "Fallverlauf": a case's history as a timeline (what, when, recorded by whom); for auditors the case as of any
// version and the verification of the whole event log.

import { getJson } from "../api.js";
import { caseLink, formatDay, formatInstant, formatNumber, h, message, section, shortId, table } from "../dom.js";
import { DEADLINE_KINDS, EVENT_TYPES, FIELDS, PLAN_ITEM_KINDS, PLAN_ITEM_STATUSES, STAGES, STATUSES, VALUES, label } from "../labels.js";
import { matchingSection } from "../offers.js";

const CASE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function render(container, { session, rest }) {
  const [caseId] = rest;
  if (!caseId) {
    await renderPicker(container, session);
    return;
  }
  if (!CASE_ID.test(caseId)) {
    container.append(message("Das ist keine Fall-ID. Eine Fall-ID sieht so aus: 8f14e45f-ceea-467f-a0e6-1fd3a3e0f2a1.", "error"));
    return;
  }
  const [current, history] = await Promise.all([getJson(`/cases/${caseId}`), getJson(`/cases/${caseId}/history`)]);
  container.querySelector("h1").textContent = `Fallverlauf – Fall ${shortId(caseId)}`;

  const stateArea = h("div", { id: "case-state" });
  const timeline = timelineList(history.events);
  const showState = (state) => {
    stateArea.replaceChildren(stateList(state, current.version));
    for (const item of timeline.children) item.classList.toggle("later", Number(item.dataset.version) > state.version);
  };
  showState(current);

  const auditing = session.role === "auditor";
  // Matching reads the client's address (for the distance): counsellors and leads only, as the API decides.
  const matching = auditing ? null : await matchingSection(caseId);
  container.append(
    h("p", { class: "back" }, h("a", { href: "#/fallverlauf" }, "← Alle Fälle")),
    section("Stand", stateArea, auditing ? asOfForm(caseId, current, showState) : null),
    section("Qualifizierungsplan", planTable(current)),
    ...(auditing ? [section("Integrität des Ereignisprotokolls", verification())] : []),
    ...(matching ? [matching] : []),
    section("Verlauf", h("p", { class: "hint" }, `${formatNumber(history.events.length)} Ereignisse, das älteste zuerst.`), timeline),
  );
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
  const deadlines = state.deadlines.map((deadline) => `${label(DEADLINE_KINDS, deadline.kind)}: ${formatDay(deadline.due)}`);
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
  const verdict = report.ok
    ? h("p", { class: "message success" }, "Unverändert: Das Ereignisprotokoll stimmt mit seiner Hash-Kette und den signierten Prüfpunkten überein.")
    : h("p", { class: "message error" }, `Abweichung ab Position ${report.first_bad_position}: ${report.problem ?? "unbekannt"}`);
  const rows = [
    ["Geprüfte Ereignisse", formatNumber(report.events_checked)],
    ["Bis Position", formatNumber(report.position)],
    ["Kettenkopf", h("code", { class: "digest" }, report.head)],
    ["Geprüfte Prüfpunkte", formatNumber(report.checkpoints_checked)],
  ];
  return h("div", {}, verdict, h("dl", { class: "state", id: "verification-figures" }, rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))));
}

function timelineList(events) {
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    events.map((event) =>
      h(
        "li",
        { "data-version": event.version },
        h("time", { datetime: event.date, class: "when" }, formatDay(event.date)),
        h(
          "div",
          { class: "what" },
          h("p", { class: "title" }, h("strong", {}, label(EVENT_TYPES, event.type)), h("span", { class: "version" }, `Version ${event.version}`)),
          h("p", { class: "meta" }, "erfasst von ", h("span", { class: "who" }, event.recorded_by), " am ", h("time", { datetime: event.recorded_at }, formatInstant(event.recorded_at))),
          details(event.data),
          h("p", { class: "later-note" }, "nach dem gezeigten Stand"),
        ),
      ),
    ),
  );
}

// The event's fields in words; personal data appear only where the API sent them (never to auditors).
function details(data) {
  const items = [];
  const add = (key, value) => {
    if (value === null || value === undefined || key === "personal") return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) add(inner, innerValue);
      return;
    }
    items.push(h("div", {}, h("dt", {}, label(FIELDS, key)), h("dd", {}, COUNTRY_FIELDS.has(key) ? countryName(value) : words(value))));
  };
  for (const [key, value] of Object.entries(data)) add(key, value);
  return items.length ? h("dl", { class: "details" }, items) : null;
}

// Countries come as ISO codes (SY); a counsellor reads their German names, the code beside them for the files.
const COUNTRY_FIELDS = new Set(["country", "qualification_country"]);
const COUNTRIES = new Intl.DisplayNames(["de"], { type: "region", fallback: "code" });

function countryName(code) {
  try {
    const name = COUNTRIES.of(code);
    return name === code ? code : `${name} (${code})`;
  } catch {
    return String(code); // not a region code at all: shown as recorded
  }
}

function words(value) {
  if (typeof value === "boolean") return value ? "ja" : "nein";
  if (Array.isArray(value)) return value.length ? value.map(words).join(value.some((item) => typeof item === "object") ? "; " : ", ") : "keine";
  if (value && typeof value === "object") {
    return Object.entries(value)
      .filter(([, inner]) => inner !== null && inner !== undefined)
      .map(([key, inner]) => `${label(FIELDS, key)}: ${words(inner)}`)
      .join(", ");
  }
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDay(value);
  return typeof value === "string" ? label(VALUES, value) : String(value);
}

async function renderPicker(container, session) {
  const acrossAgencies = session.agency === "*";
  const listArea = h("div", { id: "case-list" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Weitere Fälle laden");
  const statusFilter = h(
    "select",
    { id: "case-status", name: "status" },
    h("option", { value: "" }, "alle"),
    h("option", { value: "open" }, "offen"),
    h("option", { value: "closed" }, "abgeschlossen"),
  );
  let cases = [];
  let cursor = null;

  async function load(reset) {
    if (reset) {
      cases = [];
      cursor = null;
    }
    const page = await getJson("/cases", { status: statusFilter.value, limit: 50, cursor });
    cases = cases.concat(page.items);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    listArea.replaceChildren(
      cases.length === 0
        ? message("Keine Fälle gefunden.")
        : table({
            id: "cases-table",
            columns: ["Fall", ...(acrossAgencies ? ["Träger"] : []), "Beratung", "Status", "Phase", "Erstkontakt", "Version"],
            numeric: (index) => index === (acrossAgencies ? 6 : 5),
            rows: cases.map((item) => [
              caseLink(item.id),
              ...(acrossAgencies ? [item.agency] : []),
              item.counsellor,
              label(STATUSES, item.status),
              label(STAGES, item.stage),
              formatDay(item.opened_on),
              formatNumber(item.version),
            ]),
          }),
    );
  }
  statusFilter.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));

  const idInput = h("input", { id: "case-id", name: "case", autocomplete: "off", spellcheck: "false", required: true, placeholder: "8f14e45f-ceea-467f-a0e6-1fd3a3e0f2a1" });
  const open = h("form", { id: "open-case-form", class: "inline" }, h("label", { for: "case-id" }, "Fall-ID"), idInput, h("button", { type: "submit" }, "Öffnen"));
  open.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/fallverlauf/${idInput.value.trim().toLowerCase()}`;
  });

  container.append(
    section("Fall öffnen", open),
    section("Fälle", h("div", { class: "inline" }, h("label", { for: "case-status" }, "Status"), statusFilter), listArea, more),
  );
  await load(true);
}
