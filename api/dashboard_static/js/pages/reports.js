// "Berichte": published reports (GET /reports) — frozen, signed figures of an ended period. Analysts read only these;
// leads and auditors publish them here (POST /reports).

import { ApiError, getJson, postJson } from "../api.js";
import { saveCsv } from "../downloads.js";
import { cell, formatDay, formatInstant, formatNumber, formatPercent, h, message, section, table, today } from "../dom.js";
import {
  ACTIVITY_PARTS, ACTIVITY_TOTALS, FUNNEL_STAGES, GENDER_COLUMNS, INDICATORS, INTERPRETING, PATHWAYS, REPORT_BASES,
  REPORT_KINDS, label, wordsOf,
} from "../labels.js";

const COLUMNS = { ...GENDER_COLUMNS, total: "insgesamt" };

export async function render(container, { session, rest }) {
  if (rest[0]) {
    await renderReport(container, rest[0]);
    return;
  }
  const { items } = await getJson("/reports");
  if (["lead", "auditor"].includes(session.role)) container.append(publishForm(session, items));
  container.append(
    section(
      "Veröffentlichte Berichte",
      items.length
        ? table({
            id: "reports-table",
            caption: "Neueste zuerst",
            columns: ["Bericht", "Zeitraum", "Träger", "veröffentlicht", "Logposition"],
            numeric: (index) => index === 4,
            rows: items.map((report) => [
              h("a", { href: `#/berichte/${report.id}` }, describe(report)),
              report.period,
              report.agency === "*" ? "alle" : report.agency,
              `${formatInstant(report.published_at)} (${report.published_by})`,
              formatNumber(report.position),
            ]),
          })
        : message("Es ist noch kein Bericht veröffentlicht."),
    ),
  );
}

function describe(report) {
  return report.basis ? `${REPORT_KINDS[report.kind]} (${REPORT_BASES[report.basis]})` : REPORT_KINDS[report.kind];
}

async function renderReport(container, id) {
  const report = await getJson(`/reports/${encodeURIComponent(id)}`);
  container.append(
    h("p", { class: "back" }, h("a", { href: "#/berichte" }, "← Alle Berichte")),
    h("h2", { id: "report-title" }, `${describe(report)} ${report.period}`),
    h(
      "p",
      { class: "hint", id: "report-proof" },
      `Träger ${report.agency === "*" ? "alle" : report.agency}; eingefroren bei Logposition ${formatNumber(report.position)} `,
      `(Prüfsumme ${report.digest.slice(0, 12)}…), veröffentlicht ${formatInstant(report.published_at)} von ${report.published_by}, `,
      `signiert mit dem Prüfschlüssel ${report.public_key.slice(0, 12)}…`,
    ),
    ...(report.suppressed.length
      ? [h("p", { class: "hint", id: "suppression-note" }, `${formatNumber(report.suppressed.length)} Zellen sind unterdrückt: Sie beträfen weniger als 5 oder ließen sich aus diesem und früher veröffentlichten Berichten errechnen.`)]
      : []),
    report.kind === "esf" ? esfTable(report) : cellsTable(report),
    h("div", { class: "actions" }, ...downloadButtons(report)),
  );
}

function esfTable(report) {
  const rows = new Map();
  for (const [name, value] of Object.entries(report.cells)) {
    const [code, column] = name.split(".");
    if (!rows.has(code)) rows.set(code, {});
    rows.get(code)[column] = value;
  }
  const columns = Object.keys(COLUMNS);
  return table({
    id: "report-cells",
    caption: "Personen je Indikator und Geschlecht",
    columns: ["Indikator", ...columns.map((column) => COLUMNS[column])],
    rows: [...rows].map(([code, values]) => [
      `${code} ${code === "follow_up_response" ? "Nachbefragung" : label(INDICATORS, code)}`,
      ...columns.map((column) => (column in values ? cell(values[column]) : "–")),
    ]),
  });
}

// The activity report's cells in words: a total (`sessions`), or a part of one (`sessions_by_mode.phone`).

function activityName(name) {
  const [group, part, interpreting] = name.split(".");
  if (!part) return label(ACTIVITY_TOTALS, group);
  if (!(group in ACTIVITY_PARTS)) return name;
  const [total, parts] = ACTIVITY_PARTS[group];
  return `${total}: ${label(wordsOf(parts), part)}${interpreting ? `, ${label(INTERPRETING, interpreting)}` : ""}`;
}

// The funnel's cells (`recognition.reached.assessment`) and medians (`recognition.median_days.first_contact->assessment`).
function funnelName(name) {
  const [pathway, measure, stage] = name.split(".");
  if (measure === "reached") return `${label(PATHWAYS, pathway)}: ${label(FUNNEL_STAGES, stage)}`;
  if (measure === "median_days") {
    const step = stage.split("->").map((each) => label(FUNNEL_STAGES, each)).join(" → ");
    return `${label(PATHWAYS, pathway)}: Median in Tagen ${step}`;
  }
  return name;
}

function cellsTable(report) {
  const named = report.kind === "funnel" ? funnelName : report.kind === "activity" ? activityName : (name) => name;
  const figure = (name, value) => {
    if (value === null) return cell(null);
    return name === "share_foreign_background" ? formatPercent(value) : formatNumber(value);
  };
  return table({
    id: "report-cells",
    caption: report.kind === "funnel" ? "Fälle mit Erstkontakt im Zeitraum, die die Stufe erreicht haben" : "Zahlen",
    columns: ["Zahl", "Wert"],
    rows: [
      ...Object.entries(report.cells).map(([name, value]) => [named(name), cell(value)]),
      ...Object.entries(report.figures).map(([name, value]) => [named(name), figure(name, value)]),
    ],
  });
}

function downloadButtons(report) {
  const path = `/reports/${report.id}`;
  const filename = `bericht_${report.kind}_${report.period}.csv`;
  return [
    h("button", { type: "button", onclick: () => saveCsv(path, {}, filename) }, "Bericht als CSV"),
    h("button", { type: "button", class: "secondary", onclick: () => saveCsv(path, {}, filename, { forExcel: true }) }, "Bericht für Excel"),
  ];
}

function publishForm(session, published) {
  const status = h("p", { id: "publish-status", role: "status", class: "message", hidden: true });
  const kind = h("select", { id: "publish-kind", name: "kind" }, Object.entries(REPORT_KINDS).map(([value, text]) => h("option", { value }, text)));
  const basis = h("select", { id: "publish-basis", name: "basis" }, Object.entries(REPORT_BASES).map(([value, text]) => h("option", { value }, text)));
  const period = h("input", { id: "publish-period", name: "period", required: true, placeholder: "2025-Q3", pattern: "20[0-9]{2}(-Q[1-4]|-(0[1-9]|1[0-2]))?", "aria-describedby": "publish-period-hint" });
  const agency = h("input", { id: "publish-agency", name: "agency", placeholder: "alle" });
  const basisRow = h("p", {}, h("label", { for: "publish-basis" }, "Basis"), basis);
  kind.addEventListener("change", () => {
    basisRow.hidden = kind.value !== "esf";
  });
  const confirmation = h("div", { id: "publish-confirmation", hidden: true });
  const submit = h("button", { type: "submit" }, "Bericht veröffentlichen");
  const publish = async (body) => {
    confirmation.hidden = true;
    status.hidden = false;
    status.className = "message info";
    status.setAttribute("role", "status");
    status.textContent = "Wird veröffentlicht …";
    try {
      const report = await postJson("/reports", body);
      status.textContent = `Veröffentlicht: ${describe(report)} ${report.period}, ${formatNumber(report.suppressed.length)} Zellen unterdrückt.`;
      location.hash = `#/berichte/${report.id}`;
    } catch (error) {
      status.className = "message error";
      status.setAttribute("role", "alert");
      status.textContent = error instanceof ApiError ? error.message : String(error);
    }
  };
  // A published report is frozen and signed for good: she confirms what she publishes before it is sent.
  const confirm = (body) => {
    status.hidden = true;
    const named = `${describe(body)} ${body.period}${body.agency ? ` (Träger ${body.agency})` : ""}`;
    const earlier = published.find((report) => sameReport(report, body, session));
    const again = earlier
      ? ` Dieser Bericht ist bereits veröffentlicht (${formatInstant(earlier.published_at)}, ${earlier.published_by}); ein zweiter käme hinzu, der erste bleibt.`
      : "";
    confirmation.replaceChildren(
      h("p", { class: "message warning", role: "alert" }, `„${named}“ wird eingefroren und signiert und lässt sich danach weder ändern noch löschen.${again} Jetzt veröffentlichen?`),
      h("button", { type: "button", id: "publish-confirm", onclick: () => publish(body) }, "Ja, jetzt veröffentlichen"),
      " ",
      h("button", { type: "button", class: "secondary", onclick: () => { confirmation.hidden = true; submit.focus(); } }, "Abbrechen"),
    );
    confirmation.hidden = false;
    confirmation.querySelector("#publish-confirm").focus();
  };
  const form = h(
    "form",
    {
      id: "publish-form",
      novalidate: true, // the API checks the period and answers in German, not the browser in its own language
      // A question about what the form no longer says would publish the old choice: a change withdraws it.
      oninput: () => { confirmation.hidden = true; },
      onsubmit: (event) => {
        event.preventDefault();
        const refusal = periodRefusal(period.value.trim());
        if (refusal) {
          confirmation.hidden = true;
          status.hidden = false;
          status.className = "message error";
          status.setAttribute("role", "alert");
          status.textContent = refusal;
          period.focus();
          return;
        }
        const body = { kind: kind.value, period: period.value.trim() };
        if (kind.value === "esf") body.basis = basis.value;
        if (session.agency === "*" && agency.value.trim()) body.agency = agency.value.trim();
        confirm(body);
      },
    },
    h("p", {}, h("label", { for: "publish-kind" }, "Art"), kind),
    basisRow,
    h("p", {}, h("label", { for: "publish-period" }, "Zeitraum"), period, h("span", { id: "publish-period-hint", class: "hint" }, " Jahr (2025), Quartal (2025-Q3) oder Monat (2025-07); er muss zu Ende sein.")),
    session.agency === "*" ? h("p", {}, h("label", { for: "publish-agency" }, "Träger (leer: alle)"), agency) : null,
    submit,
    confirmation,
    status,
  );
  return section("Bericht veröffentlichen", h("p", { class: "hint" }, "Ein veröffentlichter Bericht wird eingefroren und signiert; Auswertungen sehen nur veröffentlichte Berichte. Kleine Zellen werden so unterdrückt, dass sie sich auch mit früheren Berichten nicht errechnen lassen."), form);
}

// What the API would refuse in the period, said before she is asked to confirm (the API checks again, in German too).
function periodRefusal(text) {
  if (!text) return "Bitte geben Sie den Zeitraum an: ein Jahr (2025), ein Quartal (2025-Q3) oder einen Monat (2025-07).";
  const parts = /^(20\d{2})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/.exec(text);
  if (!parts) return `„${text}“ ist kein Zeitraum: bitte ein Jahr ab 2000 (2025), ein Quartal (2025-Q3) oder einen Monat (2025-07).`;
  const [, year, quarter, month] = parts;
  const lastMonth = quarter ? Number(quarter) * 3 : month ? Number(month) : 12;
  const end = new Date(Date.UTC(Number(year), lastMonth, 0)).toISOString().slice(0, 10);
  if (end >= today()) return `Der Zeitraum ${text} ist noch nicht zu Ende (er endet am ${formatDay(end)}): veröffentlicht wird nur ein abgeschlossener Zeitraum.`;
  return null;
}

function sameReport(report, body, session) {
  const agency = body.agency ?? (session.agency === "*" ? "*" : session.agency);
  return report.kind === body.kind && report.period === body.period && (report.basis ?? null) === (body.basis ?? null) && report.agency === agency;
}
