// "Tätigkeitsbericht": what the desk did in a period (GET /statistics/activity) — sessions by mode and language,
// persons counselled and their migration background, short contacts, outreach, employers and referrals.

import { getJson } from "../api.js";
import { saveCsv } from "../downloads.js";
import { drawBarChart } from "../charts.js";
import { cell, formatDay, formatNumber, formatPercent, h, message, section, showsChoiceIn, table, today } from "../dom.js";
import { CONTACT_TOPICS, EMPLOYER_SIZES, LANGUAGES, OUTREACH_KINDS, REFERRAL_OUTCOMES, REFERRAL_TARGETS, SESSION_MODES, label } from "../labels.js";

export async function render(container, { session, params }) {
  const period = {
    from: params.get("von") ?? `${today().slice(0, 7)}-01`,
    to: params.get("bis") ?? today(),
    agency: session.agency === "*" ? (params.get("traeger") ?? "") : "",
  };
  container.append(periodForm(period, session.agency === "*"));
  const unreadable = [["von", period.from], ["bis", period.to]].filter(([, day]) => !isDay(day)).map(([name]) => `„${name}“`);
  if (unreadable.length) {
    container.append(message(`Das Datum ${unreadable.join(" und ")} ist kein Tag (TT.MM.JJJJ). Bitte im Formular wählen.`, "error"));
    return;
  }
  if (period.from > period.to) {
    container.append(message("Der Zeitraum endet, bevor er beginnt. Bitte das Datum „bis“ nach „von“ wählen.", "error"));
    return;
  }
  const query = { from: period.from, to: period.to, agency: period.agency };
  const report = await getJson("/statistics/activity", query);
  const languagesFrame = h("div", { id: "languages-chart" });
  container.append(
    h(
      "dl",
      { class: "figures", id: "activity-figures" },
      figure("Beratungsgespräche", report.sessions.total, "sessions"),
      figure("Beratene Personen", report.persons_counselled, "persons"),
      figure("mit Migrationshintergrund", shareShown(report), "share", false),
      figure("Neue Fälle", report.new_cases, "new-cases"),
      figure("Kurzkontakte", report.short_contacts.total, "short-contacts"),
      figure("Infoveranstaltungen", report.outreach_events.total, "outreach"),
    ),
    ...(report.suppressed.length
      ? [h("p", { class: "hint", id: "suppression-note" }, `${formatNumber(report.suppressed.length)} Zellen sind unterdrückt: Sie beträfen weniger als 5 oder ließen sich aus den gezeigten Zahlen errechnen.`)]
      : []),
    section(
      "Beratungsgespräche nach Sprache",
      languagesFrame,
      byTable("languages-table", "Sprache", report.sessions.by_language, LANGUAGES, (numbers) => [cell(numbers.sessions), cell(numbers.with_interpreter)], ["Gespräche", "mit Dolmetschung"]),
    ),
    section("Beratungsgespräche nach Form", byTable("modes-table", "Form", report.sessions.by_mode, SESSION_MODES)),
    section("Kurzkontakte nach Thema", byTable("topics-table", "Thema", report.short_contacts.by_topic, CONTACT_TOPICS)),
    section(
      "Infoveranstaltungen nach Art",
      h("p", { class: "hint" }, ["Teilnehmende insgesamt: ", cell(report.outreach_events.attendees)]),
      byTable("outreach-table", "Art", report.outreach_events.by_kind, OUTREACH_KINDS),
    ),
    section(
      "Arbeitgeber",
      h("p", { class: "hint" }, ["Angesprochen: ", cell(report.employers_contacted), " · beraten: ", cell(report.employers_counselled.total)]),
      byTable("employer-sizes-table", "Größe", report.employers_counselled.by_size, EMPLOYER_SIZES, undefined, ["beraten"]),
    ),
    section(
      "Weiterleitungen",
      byTable("referral-targets-table", "an", report.referrals.by_to, REFERRAL_TARGETS),
      byTable("referral-outcomes-table", "Ergebnis", report.referrals.by_outcome, REFERRAL_OUTCOMES),
    ),
    h(
      "p",
      { class: "hint", id: "activity-proof" },
      `Zeitraum ${formatDay(report.from)} bis ${formatDay(report.to)}, Träger ${report.agency ?? "alle"}, berechnet bei Logposition ${formatNumber(report.as_of_position)} (${report.definition_version}). `,
      csvLink(query, "activity-csv", "Als CSV herunterladen", {}),
      " ",
      csvLink(query, "activity-csv-excel", "für Excel herunterladen", { forExcel: true }),
    ),
  );
  const languages = mostFirst(Object.entries(report.sessions.by_language), (numbers) => numbers.sessions);
  if (languages.length) {
    // Room for every language's label: a bar and its gap each.
    languagesFrame.style.height = `${Math.max(10, 2.2 * languages.length + 4)}rem`;
    await drawBarChart(languagesFrame, {
      title: "Beratungsgespräche nach Sprache",
      labels: languages.map(([code]) => label(LANGUAGES, code)),
      datasets: [
        { label: "Gespräche", data: languages.map(([, numbers]) => numbers.sessions) },
        { label: "mit Dolmetschung", data: languages.map(([, numbers]) => numbers.with_interpreter) },
      ],
      horizontal: true,
    });
  } else {
    languagesFrame.replaceChildren(message("Im Zeitraum gab es keine Beratungsgespräche."));
  }
}

function isDay(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

// No share of nobody: with no person counselled the share is no figure at all, not one withheld (that is null too).
function shareShown(report) {
  if (report.persons_counselled === 0) return "–";
  return report.share_foreign_background === null ? null : formatPercent(report.share_foreign_background);
}

function figure(term, value, name, asNumber = true) {
  const shown = value === null ? cell(null) : asNumber ? formatNumber(value) : value;
  return h("div", { class: "figure" }, h("dt", {}, term), h("dd", { "data-figure": name }, shown));
}

// The largest first; suppressed (null) ones last, then by name.
function mostFirst(entries, count = (value) => value) {
  return [...entries].sort(([a, x], [b, y]) => (count(y) ?? -1) - (count(x) ?? -1) || a.localeCompare(b));
}

function byTable(id, first, counts, labels, row = (value) => [cell(value)], columns = ["Anzahl"]) {
  const entries = mostFirst(Object.entries(counts), (value) => (typeof value === "object" && value !== null ? value.sessions : value));
  if (!entries.length) return message("Keine im Zeitraum.");
  return table({ id, columns: [first, ...columns], rows: entries.map(([key, value]) => [label(labels, key), ...row(value)]) });
}

function csvLink(query, id, text, options) {
  const link = h("a", { href: "#", id }, text);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    saveCsv("/statistics/activity", query, `taetigkeitsbericht_${query.from}_${query.to}.csv`, options);
  });
  return link;
}

function periodForm(period, acrossAgencies) {
  const form = h(
    "form",
    { id: "activity-period", class: "inline" },
    h("label", { for: "activity-from" }, "von"),
    h("input", { id: "activity-from", name: "von", type: "date", value: period.from, required: true }),
    h("label", { for: "activity-to" }, "bis"),
    h("input", { id: "activity-to", name: "bis", type: "date", value: period.to, required: true }),
    acrossAgencies ? [h("label", { for: "activity-agency" }, "Träger"), h("input", { id: "activity-agency", name: "traeger", value: period.agency, placeholder: "alle" })] : null,
    h("button", { type: "submit" }, "Anzeigen"),
  );
  return showsChoiceIn(form, "taetigkeitsbericht");
}
