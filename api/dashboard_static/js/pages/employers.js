// "Arbeitgeber": the firms the agency approached and counselled, by name, with their size, sector, last contact and
// how often they were counselled; filtered by size and by words of the name. Counsellors and leads register a firm
// here; an employer's own page (#/arbeitgeber/<id>) shows its record and history and records its contacts,
// counselling sessions and the persons referred to it.

import { getAllPages, recordEntry } from "../api.js";
import { formatDay, formatNumber, h, message, section, showsChoiceIn, table } from "../dom.js";
import { EMPLOYER_SIZES, label } from "../labels.js";
import { openApiDocument, recordSchema } from "../schema.js";
import { EARLIER_TEXT, formOrNote, newEntryForm } from "../step-recorder.js";
import { RECORDERS, SMALL_AND_MEDIUM, employerPage } from "./employer.js";

export async function render(container, { session, params, rest }) {
  if (rest.length) {
    await employerPage(container, session, rest[0]);
    return;
  }
  const chosen = { size: params.get("groesse") ?? "", name: params.get("name") ?? "" };
  const acrossAgencies = session.agency === "*";
  container.append(
    h(
      "p",
      { class: "hint" },
      "Betriebe, die Ihr Träger angesprochen, beraten oder an die er Teilnehmende vermittelt hat. Kleinst-, kleine und mittlere Unternehmen mit einer Beratung im Zeitraum zählen in der Förderstatistik als unterstützte KMU (EECO19).",
    ),
    filterForm(chosen),
  );
  const listed = h("div", { id: "employer-list" });
  const showList = async (position = null) => listed.replaceChildren(...(await employerList(chosen, acrossAgencies, position)));
  if (RECORDERS.includes(session.role)) container.append(await formOrNote(() => registration(showList), "Arbeitgeber"));
  container.append(listed);
  await showList();
}

// "Neuen Arbeitgeber erfassen", folded away: most days she looks a firm up rather than adds one. Once saved, the list
// is read again with it, and the notice leads to its page, where its contacts and counselling are recorded.
async function registration(showList) {
  const path = "/employers";
  const form = newEntryForm(await openApiDocument(), await recordSchema(path), {
    id: "employer",
    idPrefix: "arbeitgeber",
    wording: "employer_registered",
    preset: {},
    button: "Arbeitgeber speichern",
    send: (body, key) => recordEntry(path, body, key),
    onSaved: async (sent, summary) => {
      const employer = sent.answer.entry;
      const text = `Gespeichert: ${employer.name} (${label(EMPLOYER_SIZES, employer.size)}).${sent.earlier ? ` ${EARLIER_TEXT}` : ""}`;
      summary.replaceChildren(
        h(
          "p",
          { class: "message info", role: "status", id: "employer-notice" },
          `${text} `,
          h("a", { href: `#/arbeitgeber/${employer.id}` }, "Zum Arbeitgeber: Kontakte und Beratungen erfassen"),
        ),
      );
      try {
        await showList(sent.answer.position);
      } catch (error) {
        summary.replaceChildren(message(`${text} Die Liste ließ sich danach nicht neu laden (${error.message}); bitte laden Sie die Seite neu.`, "error"));
      }
    },
  });
  return h("details", { class: "record-new", id: "employer-new" }, h("summary", {}, "Neuen Arbeitgeber erfassen"), form);
}

// The employers chosen, read once the views have counted `position` (a registration just saved), if one is given.
async function employerList(chosen, acrossAgencies, position) {
  const employers = await getAllPages("/employers", { size: chosen.size, q: chosen.name, min_position: position });
  const counselled = employers.filter((employer) => employer.counselling_sessions > 0);
  return [
    h(
      "dl",
      { class: "figures", id: "employer-figures" },
      figure("Arbeitgeber", employers.length, "employers"),
      figure("Davon beraten", counselled.length, "counselled"),
      figure("Beratene KMU", counselled.filter((employer) => SMALL_AND_MEDIUM.includes(employer.size)).length, "counselled-smes"),
    ),
    section(
      "Arbeitgeber nach Name",
      employers.length === 0
        ? message(chosen.size || chosen.name ? "Kein Arbeitgeber passt zu dieser Auswahl." : "Ihr Träger hat noch keinen Arbeitgeber erfasst.")
        : table({
            id: "employers-table",
            caption: `${formatNumber(employers.length)} Arbeitgeber${acrossAgencies ? " aller Träger" : ""}`,
            columns: ["Name", "Größe", "Branche", "PLZ", ...(acrossAgencies ? ["Träger"] : []), "Letzter Kontakt", "Beratungen", "Kontakte", "Vermittelt"],
            numeric: (index) => index >= (acrossAgencies ? 6 : 5),
            rows: employers.map((employer) => [
              h("a", { href: `#/arbeitgeber/${employer.id}` }, employer.name),
              label(EMPLOYER_SIZES, employer.size),
              employer.sector,
              employer.postal_code,
              ...(acrossAgencies ? [employer.agency] : []),
              formatDay(employer.last_contact_on),
              formatNumber(employer.counselling_sessions),
              formatNumber(employer.contacts),
              formatNumber(employer.employees_referred),
            ]),
          }),
    ),
  ];
}

function figure(term, value, name) {
  return h("div", { class: "figure" }, h("dt", {}, term), h("dd", { "data-figure": name }, formatNumber(value)));
}

function filterForm(chosen) {
  const form = h(
    "form",
    { id: "employer-filter", class: "inline", role: "search" },
    h("label", { for: "employer-size" }, "Größe"),
    h(
      "select",
      { id: "employer-size", name: "groesse" },
      h("option", { value: "" }, "alle Größen"),
      Object.entries(EMPLOYER_SIZES).map(([value, text]) => h("option", { value, selected: value === chosen.size }, text)),
    ),
    h("label", { for: "employer-name" }, "Name enthält"),
    h("input", { id: "employer-name", name: "name", type: "search", value: chosen.name, maxlength: 200 }),
    h("button", { type: "submit" }, "Anzeigen"),
  );
  return showsChoiceIn(form, "arbeitgeber");
}
