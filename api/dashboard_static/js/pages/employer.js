// One employer (#/arbeitgeber/<id>): its record (size, sector, contacts, counselling, persons referred) and its
// history as a timeline; counsellors and leads record its next step here (contacted, counselled, a person referred,
// a change of its details) through a form generated from the API's step union, on the version they saw.

import { ApiError, getAllPages, getJson, recordEmployerStep } from "../api.js";
import { fieldList } from "../case-parts.js";
import { caseLink, formatNumber, h, message, section } from "../dom.js";
import { EVENT_TYPES, label } from "../labels.js";
import { openApiDocument, unionTypes } from "../schema.js";
import { formOrNote, unionRecorder } from "../step-recorder.js";
import { timelineList } from "../timeline-list.js";

export const RECORDERS = ["counsellor", "lead"];
const EMPLOYER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SMALL_AND_MEDIUM = ["micro", "small", "medium"];
const SHOWN = [
  "size", "sector", "postal_code", "agency", "registered_on", "last_contact_on", "contacts", "counselling_sessions",
  "counselling_minutes", "employees_interested", "employees_referred",
];
// The cases a referral may name, offered by the client's name: hers (a lead's: the agency's), open, up to a bound.
const MOST_CASES_OFFERED = 400;

export async function employerPage(container, session, employerId, notice = null) {
  const heading = container.querySelector("h1");
  const back = h("p", { class: "back" }, h("a", { href: "#/arbeitgeber" }, "← Alle Arbeitgeber"));
  if (!EMPLOYER_ID.test(employerId)) {
    container.replaceChildren(heading, back, message("Diese Adresse nennt keinen Arbeitgeber. Bitte wählen Sie ihn in der Liste „Arbeitgeber“.", "error"));
    return;
  }
  let employer;
  try {
    employer = await getJson(`/employers/${employerId}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    container.replaceChildren(heading, back, message("Diesen Arbeitgeber gibt es nicht, oder er gehört zu einem anderen Träger.", "error"));
    return;
  }
  heading.textContent = `Arbeitgeber: ${employer.name}`;
  document.title = `${employer.name} – Arbeitgeber – Lotse`;
  const again = async (text) => {
    await employerPage(container, session, employerId, text);
    container.querySelector("#step-notice")?.focus();
  };
  // After a refusal because someone else changed it: the employer as it is now, focus back in the step form.
  const reload = async () => {
    await employerPage(container, session, employerId, null);
    container.querySelector("#step-form select, #step-form input")?.focus();
  };
  const recorder = RECORDERS.includes(session.role) ? await recorderOrNote(employer, session, again, reload) : null;
  container.replaceChildren(
    ...[
      heading,
      back,
      notice ? h("p", { id: "step-notice", class: "message success", role: "status", tabindex: "-1" }, notice) : null,
      section("Stand", standing(employer)),
      recorder ? section("Schritt erfassen", recorder) : null,
      section("Verlauf", h("p", { class: "hint" }, `${formatNumber(employer.history.length)} Ereignisse, das älteste zuerst.`), timelineList(employer.history)),
    ].filter(Boolean),
  );
}

function standing(employer) {
  const sme = SMALL_AND_MEDIUM.includes(employer.size);
  return h(
    "div",
    {},
    h("h3", { id: "state-heading" }, `Aktueller Stand (Version ${employer.version})`),
    fieldList(employer, { id: "employer-state", only: SHOWN, keepEmpty: true }),
    employer.referred_cases.length
      ? h("p", { id: "referred-cases" }, "Fälle der vermittelten Personen: ", ...employer.referred_cases.flatMap((caseId, index) => [index ? ", " : "", caseLink(caseId)]))
      : null,
    h(
      "p",
      { class: "hint", id: "sme-note" },
      sme
        ? "Kleinst-, kleines oder mittleres Unternehmen: Mit einer Beratung im Zeitraum zählt es in der Förderstatistik als unterstütztes KMU (EECO19)."
        : "Großunternehmen: Es zählt nicht als unterstütztes KMU (EECO19), auch wenn es beraten wird.",
    ),
  );
}

function recorderOrNote(employer, session, again, reload) {
  return formOrNote(async () => {
    const [document, types] = await Promise.all([openApiDocument(), unionTypes("/employers/{employer_id}/steps")]);
    return unionRecorder(document, types, {
      chosen: "employer_counselled",
      suggestionsFor: (type) => (type === "employee_referred" ? referableCases(session) : {}),
      send: (step, key) => recordEmployerStep(employer.id, step, employer.version, key),
      savedText: (step, answer) => `Gespeichert: ${label(EVENT_TYPES, step.type)} (Version ${answer.employer.version}).`,
      onRecorded: (answer, text) => again(text),
      afterFailure: "Der Arbeitgeber ließ sich danach nicht neu laden",
      reload: { run: reload, text: "Arbeitgeber neu laden" },
    });
  }, "Schritte");
}

// The open cases she may name as the referred person's, by name; without them the case id can still be typed.
async function referableCases(session) {
  const query = session.role === "counsellor" ? { counsellor: session.subject, status: "open" } : { status: "open" };
  try {
    const cases = await getAllPages("/cases", query, MOST_CASES_OFFERED);
    return { case_id: cases.map((item) => [item.id, item.name ?? "(Name gelöscht)"]) };
  } catch (error) {
    if (error instanceof ApiError) return {};
    throw error;
  }
}
