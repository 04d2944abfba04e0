// "Arbeitgeber": the firms the agency approached and counselled, by name, with their size, sector, last contact and
// how often they were counselled; filtered by size and by words of the name.

import { getAllPages } from "../api.js";
import { formatDay, formatNumber, h, message, section, showsChoiceIn, table } from "../dom.js";
import { EMPLOYER_SIZES, label } from "../labels.js";

const SMALL_AND_MEDIUM = ["micro", "small", "medium"];

export async function render(container, { session, params }) {
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
  const employers = await getAllPages("/employers", { size: chosen.size, q: chosen.name });
  const counselled = employers.filter((employer) => employer.counselling_sessions > 0);
  container.append(
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
              employer.name,
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
  );
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
