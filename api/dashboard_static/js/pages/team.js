// "Team": the agency's caseloads per counsellor, its overdue items, and reassigning a case (a lead's step).

import { getAllPages, getJson, recordStep } from "../api.js";
import { formatDay, formatNumber, h, message, section, shortId, table, today } from "../dom.js";
import { STAGES, label } from "../labels.js";
import { deadlineTable } from "./my-cases.js";

const OPEN_STAGES = Object.keys(STAGES).filter((stage) => stage !== "closed");

export async function render(container, context) {
  const caseloadArea = h("div", { id: "team-caseload" });
  const overdueArea = h("div", { id: "team-overdue" });
  container.append(
    section("Fallzahlen je Beratung", caseloadArea),
    h(
      "div",
      { class: "columns" },
      section(
        "Fall neu zuweisen",
        h("p", { class: "hint" }, "An eine aktive Beraterin oder einen aktiven Berater Ihres Trägers."),
        reassignmentForm(context, refresh),
      ),
      section("Überfällige Fristen im Team", overdueArea),
    ),
  );

  async function refresh(minPosition) {
    const [caseload, deadlines] = await Promise.all([
      getJson("/caseload", { min_position: minPosition }),
      getJson("/deadlines", { min_position: minPosition }),
    ]);
    caseloadArea.replaceChildren(caseloadTable(caseload));
    overdueArea.replaceChildren(deadlineTable("team-overdue-deadlines", deadlines.filter((deadline) => deadline.overdue), "Keine überfälligen Fristen.", { withCounsellor: true }));
    return caseload;
  }
  const caseload = await refresh();
  fillCounsellors(container, caseload.map((entry) => entry.counsellor));
}

function caseloadTable(caseload) {
  if (caseload.length === 0) return message("Im Team sind keine Fälle offen.");
  return table({
    id: "caseload-table",
    columns: ["Beratung", "Offene Fälle", ...OPEN_STAGES.map((stage) => label(STAGES, stage)), "Überfällig"],
    rows: caseload.map((entry) => [
      entry.counsellor,
      formatNumber(entry.open),
      ...OPEN_STAGES.map((stage) => formatNumber(entry.by_stage[stage] ?? 0)),
      formatNumber(entry.overdue),
    ]),
  });
}

function fillCounsellors(container, counsellors) {
  const from = container.querySelector("#reassign-from");
  from.replaceChildren(h("option", { value: "" }, "– bitte wählen –"), ...counsellors.map((name) => h("option", { value: name }, name)));
  container.querySelector("#counsellor-names").replaceChildren(...counsellors.map((name) => h("option", { value: name })));
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
    field("reassign-to", "Neue Beratung", h("input", { id: "reassign-to", name: "to", list: "counsellor-names", required: true, autocomplete: "off", maxlength: 64, pattern: "[A-Za-z0-9][A-Za-z0-9._@\\-]*" })),
    h("datalist", { id: "counsellor-names" }),
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
      fillCounsellors(form.closest(".page"), (await refresh(recorded.position)).map((entry) => entry.counsellor));
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
