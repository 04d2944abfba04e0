// "Förderstatistik": the ESF+ common indicators by gender for a period and basis, with the log position and
// digest they were computed at; entries per month, the pathway funnel and the outcome rates; CSV downloads.

import { getJson } from "../api.js";
import { saveCsv } from "../downloads.js";
import { drawBarChart } from "../charts.js";
import { cell, formatDay, formatMonth, formatNumber, formatPercent, h, isoDay, message, section, showsChoiceIn, table, today } from "../dom.js";
import { FOLLOW_UP_RESPONSES, FUNNEL_STAGES, GENDER_COLUMNS, INDICATORS, PATHWAYS, STATISTICS_BASES, label } from "../labels.js";

const OUTCOME_CODES = ["EECR01", "EECR02", "EECR03", "EECR04"];
// One request per month: a longer period would make the page slow, and its chart unreadable.
const MAX_MONTHS = 36;

export async function render(container, { session, params }) {
  const period = {
    from: params.get("von") ?? `${new Date().getFullYear()}-01-01`,
    to: params.get("bis") ?? today(),
    basis: params.get("basis") === "exit" ? "exit" : "entry",
    agency: session.agency === "*" ? (params.get("traeger") ?? "") : "",
  };
  container.append(periodForm(period, session.agency === "*"));
  if (period.from > period.to) {
    container.append(message("Der Zeitraum endet, bevor er beginnt. Bitte das Datum „bis“ nach „von“ wählen.", "error"));
    return;
  }
  const query = { from: period.from, to: period.to, basis: period.basis, agency: period.agency };
  const [esf, funnel, exits] = await Promise.all([
    getJson("/statistics/esf", query),
    getJson("/statistics/funnel", { agency: period.agency }),
    period.basis === "exit" ? null : getJson("/statistics/esf", { ...query, basis: "exit" }),
  ]);

  const monthsFrame = h("div", { id: "entries-chart" });
  const funnelFrame = h("div", { id: "funnel-chart" });
  const outcomesFrame = h("div", { id: "outcomes-chart" });
  const monthsTable = h("div");
  container.append(
    proof(esf, funnel, period),
    section(
      "ESF+-Indikatoren nach Geschlecht",
      esf.suppressed.length
        ? h("p", { class: "hint", id: "suppression-note" }, `${formatNumber(esf.suppressed.length)} Zellen sind unterdrückt: Sie beträfen weniger als 5 Personen oder ließen sich aus den gezeigten Zahlen errechnen.`)
        : null,
      indicatorTable(esf),
      responseTable(esf),
    ),
    section("Eintritte je Monat", monthsFrame, monthsTable),
    section(
      "Verlauf nach Weg",
      h("p", { class: "hint" }, `Alle Fälle seit Beginn, ohne Zeitraum: wie viele Personen je Weg welche Stufe erreicht haben (Logposition ${formatNumber(funnel.as_of_position)}).`),
      funnelFrame,
      funnelTables(funnel),
    ),
    section("Ergebnisquoten beim Austritt", outcomesFrame, outcomeTable(exits ?? esf, period)),
  );
  await Promise.all([
    entriesPerMonth(period, monthsFrame, monthsTable),
    drawFunnel(funnelFrame, funnel),
    drawOutcomes(outcomesFrame, exits ?? esf),
  ]);
}

function periodForm(period, acrossAgencies) {
  const form = h(
    "form",
    { id: "period-form", class: "inline" },
    h("label", { for: "period-from" }, "von"),
    h("input", { id: "period-from", name: "von", type: "date", value: period.from, required: true }),
    h("label", { for: "period-to" }, "bis"),
    h("input", { id: "period-to", name: "bis", type: "date", value: period.to, required: true }),
    h("label", { for: "period-basis" }, "Basis"),
    h("select", { id: "period-basis", name: "basis" }, Object.entries(STATISTICS_BASES).map(([value, text]) => h("option", { value, selected: value === period.basis }, text))),
    acrossAgencies ? [h("label", { for: "period-agency" }, "Träger"), h("input", { id: "period-agency", name: "traeger", value: period.agency, placeholder: "alle" })] : null,
    h("button", { type: "submit" }, "Anzeigen"),
  );
  return showsChoiceIn(form, "foerderstatistik");
}

function proof(esf, funnel, period) {
  const rows = [
    ["Zeitraum", `${formatDay(esf.from)} bis ${formatDay(esf.to)}`],
    ["Basis", STATISTICS_BASES[esf.basis]],
    ["Träger", esf.agency ?? "alle"],
    ["Berechnet bei Logposition", h("span", { id: "esf-position" }, formatNumber(esf.as_of_position))],
    ["Prüfsumme (Kettenkopf)", h("code", { class: "digest", id: "esf-digest" }, esf.digest)],
    ["Definition", esf.definition_version],
  ];
  return section(
    "Nachweis",
    h("p", { class: "hint" }, "Aus dem Ereignisprotokoll lassen sich die Zahlen zu dieser Logposition jederzeit nachrechnen (Programmierschnittstelle: GET /statistics/esf mit as_of_position); die Prüfsumme ist dann dieselbe."),
    h("dl", { class: "state", id: "proof" }, rows.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))),
    h(
      "div",
      { class: "actions" },
      ...downloadButtons("ESF+-Indikatoren", "/statistics/esf", { from: esf.from, to: esf.to, basis: esf.basis, agency: period.agency }, `esf-indikatoren_${esf.from}_${esf.to}_${esf.basis}.csv`),
      ...downloadButtons("Verlauf nach Weg", "/statistics/funnel", { agency: period.agency }, `verlauf-nach-weg_${funnel.as_of_position}.csv`),
    ),
  );
}

// The CSV as the API answers it, and the same for a German Excel.
function downloadButtons(subject, path, query, filename) {
  return [
    h("button", { type: "button", class: "secondary", onclick: () => saveCsv(path, query, filename) }, `${subject} als CSV`),
    h("button", { type: "button", class: "secondary", onclick: () => saveCsv(path, query, filename, { forExcel: true }) }, `${subject} für Excel`),
  ];
}

function indicatorTable(esf) {
  const columns = Object.keys(GENDER_COLUMNS);
  return table({
    id: "esf-table",
    caption: `Personen je Indikator${"EECO19" in esf.indicators ? ", bei EECO19 Unternehmen" : ""} (${STATISTICS_BASES[esf.basis]})`,
    columns: ["Indikator", ...Object.values(GENDER_COLUMNS)],
    rows: Object.entries(esf.indicators).map(([code, row]) => [
      h("span", {}, h("span", { class: "code" }, code), " ", label(INDICATORS, code)),
      // EECO19 counts enterprises: a total without a split by gender.
      ...columns.map((column) => (column in row ? cell(row[column]) : h("span", { class: "no-split", title: "keine Aufteilung nach Geschlecht" }, "–"))),
    ]),
  });
}

// Exit basis: how the follow-up six months after the exit (± 4 weeks) came out for the leavers of the period.
function responseTable(esf) {
  if (!esf.follow_up_response) return null;
  return table({
    id: "follow-up-table",
    caption: "Nachbefragung sechs Monate nach dem Austritt (± 4 Wochen)",
    columns: ["Rücklauf", "Personen"],
    rows: Object.entries(esf.follow_up_response).map(([key, value]) => [FOLLOW_UP_RESPONSES[key] ?? key, cell(value)]),
  });
}

function monthsOf(from, to) {
  const months = [];
  for (let month = new Date(`${from.slice(0, 7)}-01T00:00:00Z`); isoDay(month) <= to; month.setUTCMonth(month.getUTCMonth() + 1)) {
    const start = isoDay(month) < from ? from : isoDay(month);
    const last = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0));
    months.push({ start, end: isoDay(last) > to ? to : isoDay(last) });
  }
  return months;
}

async function entriesPerMonth(period, frame, tableArea) {
  const months = monthsOf(period.from, period.to);
  if (months.length > MAX_MONTHS) {
    frame.replaceChildren(message(`Für das Monatsdiagramm ist der Zeitraum zu lang (höchstens ${MAX_MONTHS} Monate).`));
    return;
  }
  const answers = await Promise.all(months.map((month) => getJson("/statistics/esf", { from: month.start, to: month.end, basis: "entry", agency: period.agency })));
  const entries = answers.map((answer) => answer.indicators.EECO01.total);
  const labels = months.map((month) => formatMonth(month.start));
  await drawBarChart(frame, { title: "Eintritte je Monat", labels, datasets: [{ label: "Eintritte", data: entries }] });
  tableArea.replaceChildren(
    entries.includes(null) ? h("p", { class: "hint" }, "Monate ohne Balken sind unterdrückt (weniger als 5 Eintritte)") : "",
    h("details", {}, h("summary", {}, "Zahlen als Tabelle"), table({ id: "entries-table", columns: ["Monat", "Eintritte"], rows: labels.map((month, index) => [month, cell(entries[index])]) })),
  );
}

function funnelTables(funnel) {
  const stages = Object.keys(FUNNEL_STAGES);
  const pathways = Object.entries(funnel.pathways);
  const steps = pathways.length ? Object.keys(pathways[0][1].median_days) : [];
  const stepLabel = (step) => step.split("->").map((stage) => label(FUNNEL_STAGES, stage)).join(" → ");
  return h(
    "div",
    {},
    table({
      id: "funnel-table",
      caption: "Personen, die die Stufe erreicht haben",
      columns: ["Weg", ...stages.map((stage) => label(FUNNEL_STAGES, stage))],
      rows: pathways.map(([pathway, figures]) => [label(PATHWAYS, pathway), ...stages.map((stage) => cell(figures.reached[stage]))]),
    }),
    h(
      "details",
      {},
      h("summary", {}, "Mittlere Dauer zwischen den Stufen (Median in Tagen)"),
      table({
        id: "funnel-median-table",
        columns: ["Weg", ...steps.map(stepLabel)],
        rows: pathways.map(([pathway, figures]) => [label(PATHWAYS, pathway), ...steps.map((step) => (figures.median_days[step] === null ? "–" : formatNumber(figures.median_days[step])))]),
      }),
    ),
  );
}

async function drawFunnel(frame, funnel) {
  const stages = Object.keys(FUNNEL_STAGES);
  await drawBarChart(frame, {
    title: "Verlauf nach Weg: Personen je erreichter Stufe",
    labels: stages.map((stage) => label(FUNNEL_STAGES, stage)),
    datasets: Object.entries(funnel.pathways).map(([pathway, figures]) => ({ label: label(PATHWAYS, pathway), data: stages.map((stage) => figures.reached[stage]) })),
  });
}

// The leavers: the exit cohort of the follow-up response (release 0.1's definition counted them as EECO01).
function leaversOf(exits) {
  return exits.follow_up_response ? exits.follow_up_response.due : exits.indicators.EECO01.total;
}

function outcomeRates(exits) {
  const leavers = leaversOf(exits);
  return OUTCOME_CODES.map((code) => {
    const persons = exits.indicators[code].total;
    return { code, persons, rate: persons === null || !leavers ? null : persons / leavers };
  });
}

function outcomeTable(exits, period) {
  const leavers = leaversOf(exits);
  return h(
    "div",
    {},
    h(
      "p",
      { class: "hint" },
      leavers === null
        ? "Die Zahl der Ausgetretenen ist unterdrückt (weniger als 5 Personen): keine Quoten."
        : `Anteil an den ${formatNumber(leavers)} Personen, die vom ${formatDay(period.from)} bis ${formatDay(period.to)} ausgetreten sind.`,
    ),
    table({
      id: "outcomes-table",
      columns: ["Ergebnis beim Austritt", "Personen", "Anteil"],
      rows: outcomeRates(exits).map(({ code, persons, rate }) => [`${code} ${label(INDICATORS, code)}`, cell(persons), rate === null ? "–" : formatPercent(rate)]),
    }),
  );
}

async function drawOutcomes(frame, exits) {
  const rates = outcomeRates(exits);
  await drawBarChart(frame, {
    title: "Ergebnisquoten beim Austritt",
    labels: rates.map(({ code }) => label(INDICATORS, code)),
    datasets: [{ label: "Anteil der Ausgetretenen", data: rates.map(({ rate }) => rate) }],
    horizontal: true,
    percent: true,
  });
}
