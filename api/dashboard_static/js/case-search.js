// Finding a case: by the client's name (counsellors and leads; GET /cases?q=), by its id, or in the agency's list;
// and opening a new one at the first contact.

import { ApiError, getJson } from "./api.js";
import { caseLink, clientLink, formatDay, formatNumber, h, message, section, table } from "./dom.js";
import { STAGES, STATUSES, label } from "./labels.js";
import { firstContactForm } from "./step-recorder.js";

const PAGE_SIZE = 50;

export async function casePicker(container, session) {
  // Names are for counsellors and leads only (API.md): auditors and analysts never see who a case is about.
  const seesNames = ["counsellor", "lead"].includes(session.role);
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
  const nameInput = h("input", { id: "client-name", name: "q", type: "search", autocomplete: "off", "aria-describedby": "client-name-hint" });
  const searchStatus = h("div", { id: "search-status" });
  let query = "";
  let cases = [];
  let cursor = null;
  let latest = 0; // only the answer to the latest request is shown, whichever comes back first

  const caseTable = (items, id, caption) =>
    table({
      id,
      caption,
      columns: [seesNames ? "Name" : "Fall", ...(seesNames ? ["Fall"] : []), ...(acrossAgencies ? ["Träger"] : []), "Beratung", "Status", "Phase", "Erstkontakt", "Version"],
      numeric: (index) => index === 5 + (seesNames ? 1 : 0) + (acrossAgencies ? 1 : 0),
      rows: items.map((item) => [
        ...(seesNames ? [clientLink(item.id, item.name)] : []),
        caseLink(item.id),
        ...(acrossAgencies ? [item.agency] : []),
        item.counsellor,
        label(STATUSES, item.status),
        label(STAGES, item.stage),
        formatDay(item.opened_on),
        formatNumber(item.version),
      ]),
    });

  async function fetchPage(reset, request) {
    const asked = query; // what this request searched for, whatever is typed meanwhile
    if (reset) more.hidden = true; // a further page belongs to the list shown, not to one still coming
    const page = await getJson("/cases", { status: statusFilter.value, limit: PAGE_SIZE, cursor: reset ? null : cursor, q: asked || undefined });
    if (request !== latest) return;
    cases = reset ? page.items : cases.concat(page.items);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    const count = cursor ? `Die ersten ${formatNumber(cases.length)} Treffer` : `${formatNumber(cases.length)} Treffer`;
    const caption = asked ? `${count} für „${asked}“` : null;
    listArea.replaceChildren(
      cases.length === 0
        ? message(asked ? `Kein Fall Ihrer Stelle passt zu „${asked}“. Gesucht wird nach ganzen Namensteilen: Jedes Wort muss ein ganzer Vor- oder Nachname sein, z. B. „Öztürk“, nicht „Öz“ (Groß-/Kleinschreibung, Akzente und ß/ss zählen nicht).` : "Keine Fälle gefunden.")
        : caseTable(cases, "cases-table", caption),
    );
  }
  // A refusal (a `q` without a letter) or a lost connection is said where the list stands, not swallowed.
  async function load(reset) {
    searchStatus.replaceChildren();
    const request = ++latest;
    try {
      await fetchPage(reset, request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (request !== latest) return;
      const refusal = error.problem?.errors?.[0]?.message ?? error.message;
      if (query) searchStatus.replaceChildren(message(`Suche nicht möglich: ${refusal}`, "error"));
      else listArea.replaceChildren(message(`Die Fälle ließen sich nicht laden: ${refusal}`, "error"));
    }
  }
  statusFilter.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));

  const search = h(
    "form",
    { id: "search-form", class: "inline", role: "search" },
    h("label", { for: "client-name" }, "Name der Person"),
    nameInput,
    h("button", { type: "submit" }, "Suchen"),
    h("button", { type: "button", class: "secondary", onclick: () => { nameInput.value = ""; query = ""; load(true); } }, "Alle zeigen"),
    h("p", { class: "hint", id: "client-name-hint" }, "Vor- oder Nachname, oder beides, z. B. „Ayla Demir“ oder „demir“."),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    query = nameInput.value.trim();
    load(true);
  });

  const idInput = h("input", { id: "case-id", name: "case", autocomplete: "off", spellcheck: "false", required: true, placeholder: "8f14e45f-ceea-467f-a0e6-1fd3a3e0f2a1" });
  const open = h("form", { id: "open-case-form", class: "inline" }, h("label", { for: "case-id" }, "Fall-ID"), idInput, h("button", { type: "submit" }, "Öffnen"));
  open.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/fallverlauf/${idInput.value.trim().toLowerCase()}`;
  });

  // A new case right after the search: she looks for the person first, and opens a case when there is none.
  container.append(
    ...(seesNames ? [section("Person suchen", search, searchStatus)] : []),
    ...(seesNames && session.agency !== "*" ? [await newCaseSection()] : []),
    section("Fall öffnen", open),
    section("Fälle", h("div", { class: "inline" }, h("label", { for: "case-status" }, "Status"), statusFilter), listArea, more),
  );
  await load(true);
}

// "Neuer Fall": the first contact's form, folded away until needed; a new case opens at once, with a note when the
// name index knows a case of the same person.
async function newCaseSection() {
  const result = h("div", { id: "first-contact-result" });
  const form = await firstContactForm({
    onOpened: async (opened) => {
      const duplicates = opened.possible_duplicates ?? [];
      if (!duplicates.length) {
        location.hash = `#/fallverlauf/${opened.id}`;
        return;
      }
      result.replaceChildren(
        h(
          "div",
          { class: "message warning", role: "status" },
          h("p", {}, "Der Fall ist angelegt. Achtung: Für dieselbe Person (Name und Geburtsdatum) gibt es schon diese Fälle:"),
          h("ul", {}, duplicates.map((id) => h("li", {}, caseLink(id)))),
          h("p", {}, h("a", { href: `#/fallverlauf/${opened.id}` }, "Zum neuen Fall")),
        ),
      );
    },
  });
  return section("Neuer Fall (Erstkontakt)", h("details", { id: "new-case" }, h("summary", {}, "Formular für den Erstkontakt öffnen"), form, result));
}
