// "Meine Fälle": the signed-in counsellor's open cases by stage, and her overdue and upcoming deadlines.

import { getAllPages, getJson } from "../api.js";
import { caseLink, clientLink, formatDay, formatNumber, h, isoDay, message, section, table, today } from "../dom.js";
import { DEADLINE_KINDS, DEADLINE_REFS, STAGES, label } from "../labels.js";

const STAGE_ORDER = Object.keys(STAGES);
const UPCOMING_DAYS = 30;

export async function render(container, { session }) {
  const mine = { counsellor: session.subject };
  const [caseload, deadlines, cases] = await Promise.all([
    getJson("/caseload", mine),
    getJson("/deadlines", mine),
    getAllPages("/cases", { ...mine, status: "open" }),
  ]);
  const names = new Map(cases.map((item) => [item.id, item.name]));
  const load = caseload[0] ?? { open: 0, by_stage: {}, overdue: 0 };
  const overdue = deadlines.filter((deadline) => deadline.overdue);
  const horizon = new Date(`${today()}T00:00:00`);
  horizon.setDate(horizon.getDate() + UPCOMING_DAYS);
  const upcoming = deadlines.filter((deadline) => !deadline.overdue && deadline.due <= isoDay(horizon));
  const later = deadlines.filter((deadline) => !deadline.overdue && deadline.due > isoDay(horizon));
  await addNamesOfClosedCases(names, [...overdue, ...upcoming]);
  const stages = STAGE_ORDER.filter((stage) => stage in load.by_stage);

  container.append(
    h(
      "dl",
      { class: "figures", id: "caseload" },
      figure("Offene Fälle", load.open, "open"),
      figure("Überfällige Fristen", load.overdue, "overdue"),
      figure(`In ${UPCOMING_DAYS} Tagen fällig`, upcoming.length, "upcoming"),
    ),
    // The deadlines first: what is overdue is what she must act on today.
    section("Überfällige Fristen", deadlineTable("overdue-deadlines", overdue, "Keine überfälligen Fristen.", { names })),
    section(`In den nächsten ${UPCOMING_DAYS} Tagen fällig`, deadlineTable("upcoming-deadlines", upcoming, "Keine Fristen in den nächsten Tagen.", { names })),
    ...(later.length
      ? [h("details", {}, h("summary", {}, `Später fällig (${formatNumber(later.length)})`), deadlineTable("later-deadlines", later, "", { names }))]
      : []),
    section(
      "Offene Fälle nach Phase",
      stages.length === 0
        ? message("Ohne offene Fälle keine Aufteilung nach Phase.")
        : table({
            id: "by-stage",
            columns: ["Phase", "Fälle"],
            rows: stages.map((stage) => [label(STAGES, stage), formatNumber(load.by_stage[stage])]),
          }),
    ),
    section(
      "Offene Fälle",
      cases.length === 0
        ? message("Sie haben keine offenen Fälle.")
        : table({
            id: "open-cases",
            columns: ["Name", "Fall", "Phase", "Erstkontakt", "Version"],
            numeric: (index) => index === 4,
            rows: sortByStage(cases).map((item) => [clientLink(item.id, item.name), caseLink(item.id), label(STAGES, item.stage), formatDay(item.opened_on), formatNumber(item.version)]),
          }),
    ),
  );
}

// A closed case has a deadline too (its follow-up). Each name shown is a read of that client's data in the access
// log, so only the names of the deadlines due now are fetched, not those of every case she ever closed.
const MOST_NAMES_FETCHED = 20;

export async function addNamesOfClosedCases(names, deadlines) {
  const missing = [...new Set(deadlines.map((deadline) => deadline.case_id).filter((id) => !names.has(id)))];
  const found = await Promise.all(
    missing.slice(0, MOST_NAMES_FETCHED).map((id) => getJson(`/cases/${id}`).then((state) => [id, state.personal?.name ?? null], () => [id, null])),
  );
  for (const [id, name] of found) if (name) names.set(id, name);
}

function figure(term, value, name) {
  return h("div", { class: "figure" }, h("dt", {}, term), h("dd", { "data-figure": name }, formatNumber(value)));
}

// `names`: the clients' names by case id, shown first where known.
export function deadlineTable(id, deadlines, empty, { withCounsellor = false, names = null } = {}) {
  if (deadlines.length === 0) return message(empty);
  return table({
    id,
    columns: [...(names ? ["Name"] : []), "Fall", "Fällig am", "Art", "Bezug", ...(withCounsellor ? ["Beratung"] : [])],
    numeric: () => false,
    rows: deadlines.map((deadline) => [
      ...(names ? [names.has(deadline.case_id) ? clientLink(deadline.case_id, names.get(deadline.case_id)) : "–"] : []),
      caseLink(deadline.case_id),
      formatDay(deadline.due),
      label(DEADLINE_KINDS, deadline.kind),
      reference(deadline),
      ...(withCounsellor ? [deadline.counsellor] : []),
    ]),
  });
}

// What a deadline belongs to: the case's own record by its id ("Antrag r1", "Planschritt p2"), else the event it
// counts from ("letzter Kontakt", "Austritt").
const RECORD_OF_KIND = { recognition_decision: "Antrag", recognition_receipt: "Antrag", plan_item: "Planschritt", referral_feedback: "Weiterleitung" };

function reference(deadline) {
  const record = RECORD_OF_KIND[deadline.kind];
  return record ? `${record} ${deadline.ref}` : label(DEADLINE_REFS, deadline.ref);
}

function sortByStage(cases) {
  return [...cases].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || a.opened_on.localeCompare(b.opened_on));
}
