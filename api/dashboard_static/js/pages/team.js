// "Team": the agency's caseloads per counsellor, its overdue items, and reassigning a case (a lead's step) to an
// active counsellor or lead of the agency (GET /staff): someone who left is marked, with the cases still hers.

import { getAllPages, getJson, recordStep } from "../api.js";
import { formatDay, formatNumber, h, message, section, shortId, table, today } from "../dom.js";
import { ROLES, STAGES, label } from "../labels.js";
import { addNamesOfClosedCases, deadlineTable } from "./my-cases.js";

const OPEN_STAGES = Object.keys(STAGES).filter((stage) => stage !== "closed");
// Who may be given a case (the domain's rule `counsellor_active_in_agency`): an active counsellor or lead.
const ASSIGNABLE = ["counsellor", "lead"];

export async function render(container, context) {
  const caseloadArea = h("div", { id: "team-caseload" });
  const overdueArea = h("div", { id: "team-overdue" });
  const overdueOf = h("select", { id: "overdue-counsellor", name: "counsellor" });
  let overdue = [];
  let shownOnce = 0;
  // The clients' names only for one counsellor's items: each name read is a read of that client's data in the
  // access log, and the whole team's list would read every open case's.
  const showOverdue = async () => {
    const mine = ++shownOnce;
    const chosen = overdueOf.value;
    const shown = chosen ? overdue.filter((deadline) => deadline.counsellor === chosen) : overdue;
    const none = chosen ? `${chosen} hat keine überfälligen Fristen.` : "Keine überfälligen Fristen.";
    const names = chosen && shown.length ? await namesOf(chosen, shown) : null;
    if (mine !== shownOnce) return; // another choice meanwhile
    overdueArea.replaceChildren(
      ...(chosen ? [] : [h("p", { class: "hint", id: "overdue-names-hint" }, "Die Namen der Personen zeigt die Liste, wenn Sie eine Beratung wählen.")]),
      deadlineTable("team-overdue-deadlines", shown, none, { withCounsellor: true, names }),
    );
  };
  overdueOf.addEventListener("change", showOverdue);
  container.append(
    section("Fallzahlen je Beratung", caseloadArea),
    // Full width: with the client's name, the case and the counsellor its six columns need the page's breadth.
    section(
      "Überfällige Fristen im Team",
      h("div", { class: "field inline" }, h("label", { for: "overdue-counsellor" }, "Beratung"), overdueOf),
      overdueArea,
    ),
    section(
      "Fall neu zuweisen",
      h("p", { class: "hint" }, "An eine aktive Beraterin oder einen aktiven Berater Ihres Trägers."),
      reassignmentForm(context, refresh),
    ),
  );

  async function refresh(minPosition) {
    const [caseload, deadlines, staff] = await Promise.all([
      getJson("/caseload", { min_position: minPosition }),
      getJson("/deadlines", { min_position: minPosition }),
      getJson("/staff"),
    ]);
    const left = new Set(staff.items.filter((member) => !member.active).map((member) => member.subject));
    caseloadArea.replaceChildren(...leftWithCases(caseload, left), caseloadTable(caseload, left));
    overdue = deadlines.filter((deadline) => deadline.overdue);
    fillOverdueChoice(overdueOf, overdue);
    await showOverdue();
    fillCounsellors(container, caseload, left, staff.items.filter((member) => member.active && ASSIGNABLE.includes(member.role)));
  }
  await refresh();
}

// Who left with cases still hers: they wait, and their deadlines with them, until a lead gives them to someone else.
function leftWithCases(caseload, left) {
  const waiting = caseload.filter((entry) => left.has(entry.counsellor) && entry.open > 0);
  if (!waiting.length) return [];
  const names = waiting.map((entry) => `${entry.counsellor} (${formatNumber(entry.open)} ${entry.open === 1 ? "offener Fall" : "offene Fälle"})`);
  return [
    h(
      "p",
      { class: "message warning", id: "left-with-cases" },
      `Nicht mehr aktiv, mit offenen Fällen: ${names.join(", ")}. Niemand bearbeitet diese Fälle und ihre Fristen; bitte unten neu zuweisen.`,
    ),
  ];
}

function caseloadTable(caseload, left) {
  if (caseload.length === 0) return message("Im Team sind keine Fälle offen.");
  return table({
    id: "caseload-table",
    columns: ["Beratung", "Offene Fälle", ...OPEN_STAGES.map((stage) => label(STAGES, stage)), "Überfällig"],
    rows: caseload.map((entry) => [
      left.has(entry.counsellor) ? h("span", {}, entry.counsellor, " ", h("span", { class: "badge" }, "nicht mehr aktiv")) : entry.counsellor,
      formatNumber(entry.open),
      ...OPEN_STAGES.map((stage) => formatNumber(entry.by_stage[stage] ?? 0)),
      formatNumber(entry.overdue),
    ]),
  });
}

// The names of one counsellor's clients with overdue items: her open cases from the case list, a closed case's
// (its follow-up) read one by one, as "Meine Fälle" reads them.
async function namesOf(counsellor, deadlines) {
  const cases = await getAllPages("/cases", { counsellor, status: "open" });
  const names = new Map(cases.map((item) => [item.id, item.name]));
  await addNamesOfClosedCases(names, deadlines);
  return names;
}

// The counsellors with overdue items, each with how many: "alle" keeps the whole team's list.
function fillOverdueChoice(select, overdue) {
  const chosen = select.value;
  const counts = new Map();
  for (const deadline of overdue) counts.set(deadline.counsellor, (counts.get(deadline.counsellor) ?? 0) + 1);
  select.replaceChildren(
    h("option", { value: "" }, `alle (${formatNumber(overdue.length)})`),
    ...[...counts].sort(([a], [b]) => a.localeCompare(b)).map(([name, count]) => h("option", { value: name, selected: name === chosen }, `${name} (${formatNumber(count)})`)),
  );
}

// From whom: everyone with open cases (those who left marked); to whom: the active counsellors and leads.
function fillCounsellors(container, caseload, left, assignable) {
  const from = container.querySelector("#reassign-from");
  const chosen = from.value;
  from.replaceChildren(
    h("option", { value: "" }, "– bitte wählen –"),
    ...caseload.map((entry) => h("option", { value: entry.counsellor, selected: entry.counsellor === chosen }, left.has(entry.counsellor) ? `${entry.counsellor} (nicht mehr aktiv)` : entry.counsellor)),
  );
  container.querySelector("#reassign-to").replaceChildren(
    h("option", { value: "" }, "– bitte wählen –"),
    ...assignable.map((member) => h("option", { value: member.subject }, `${member.subject} (${label(ROLES, member.role)})`)),
  );
}

function reassignmentForm({ isCurrent }, refresh) {
  const status = h("p", { id: "reassign-status", role: "status", class: "message", hidden: true });
  const caseSelect = h("select", { id: "reassign-case", name: "case", required: true, disabled: true }, h("option", { value: "" }, "– zuerst die bisherige Beratung wählen –"));
  let openCases = [];

  const from = h("select", {
    id: "reassign-from",
    name: "from",
    required: true,
    onchange: async () => {
      caseSelect.disabled = true;
      openCases = from.value ? await getAllPages("/cases", { counsellor: from.value, status: "open" }) : [];
      if (!isCurrent()) return;
      caseSelect.replaceChildren(
        h("option", { value: "" }, openCases.length ? "– bitte wählen –" : "– keine offenen Fälle –"),
        ...openCases.map((item) => h("option", { value: item.id }, `${item.name ?? "(Name gelöscht)"} · Fall ${shortId(item.id)} · ${label(STAGES, item.stage)} · seit ${formatDay(item.opened_on)}`)),
      );
      caseSelect.disabled = openCases.length === 0;
    },
  });

  const form = h(
    "form",
    { id: "reassign-form", class: "stacked" },
    field("reassign-from", "Bisherige Beratung", from),
    field("reassign-case", "Fall", caseSelect),
    field("reassign-to", "Neue Beratung", h("select", { id: "reassign-to", name: "to", required: true })),
    field("reassign-reason", "Grund (freiwillig)", h("input", { id: "reassign-reason", name: "reason", maxlength: 200, autocomplete: "off" })),
    h("button", { type: "submit" }, "Zuweisen"),
    status,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = openCases.find((item) => item.id === caseSelect.value);
    const to = form.elements.to.value.trim();
    const reason = form.elements.reason.value.trim();
    if (!chosen || !to) {
      show(status, "Bitte wählen Sie einen Fall und die neue Beratung.", "error");
      return;
    }
    if (to === from.value) {
      show(status, `Der Fall ist bereits bei ${to}.`, "error");
      return;
    }
    try {
      const step = { type: "counsellor_assigned", date: today(), counsellor: to, ...(reason ? { reason } : {}) };
      const recorded = await recordStep(chosen.id, step, chosen.version);
      show(status, `Fall ${chosen.name ?? shortId(chosen.id)} ist jetzt bei ${recorded.case.counsellor}.`, "success");
      form.reset();
      caseSelect.replaceChildren(h("option", { value: "" }, "– zuerst die bisherige Beratung wählen –"));
      caseSelect.disabled = true;
      openCases = [];
      await refresh(recorded.position);
    } catch (error) {
      show(status, error.message, "error");
    }
  });
  return form;
}

function field(id, text, control) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

function show(status, text, kind) {
  status.textContent = text;
  status.className = `message ${kind}`;
  status.setAttribute("role", kind === "error" ? "alert" : "status");
  status.hidden = false;
}
