// "Kontakte": the desk's work beside the cases — short information contacts without a case and outreach events —
// recorded through forms generated from the API's own schemas (POST /contacts, POST /outreach-events), and listed
// for a period. Neither holds a person's data: they count in the activity report, not as cases.

import { getAllPages, recordEntry } from "../api.js";
import { formatDay, formatNumber, h, isoDay, message, section, showsChoiceIn, table, today } from "../dom.js";
import { CONTACT_TOPICS, LANGUAGES, OUTREACH_KINDS, REFERRAL_TARGETS, SESSION_MODES, label } from "../labels.js";
import { openApiDocument, recordSchema } from "../schema.js";
import { EARLIER_TEXT, newEntryForm } from "../step-recorder.js";

const RECORDERS = ["counsellor", "lead"];
const DAYS_SHOWN = 30;

export async function render(container, { session, params }) {
  const period = { from: params.get("von") ?? daysBefore(DAYS_SHOWN), to: params.get("bis") ?? today() };
  const acrossAgencies = session.agency === "*";
  container.append(
    h(
      "p",
      { class: "hint" },
      "Kurze Auskünfte ohne Fall (Kurzkontakte) und Infoveranstaltungen Ihres Trägers. Sie enthalten keine Angaben zu Personen und zählen im Tätigkeitsbericht, nicht als Fälle.",
    ),
  );
  const lists = h("div", { id: "desk-lists" });
  const showLists = async (position = null) => lists.replaceChildren(...(await listsFor(period, position, acrossAgencies)));
  if (RECORDERS.includes(session.role)) {
    const document = await openApiDocument();
    container.append(
      h(
        "div",
        { class: "desk-forms" },
        section(
          "Kurzkontakt erfassen",
          await entryForm(document, {
            path: "/contacts",
            id: "contact",
            wording: "short_contact",
            preset: { date: today(), mode: "in_person", language: "de" },
            button: "Kurzkontakt speichern",
            saved: (contact) => `Gespeichert: Kurzkontakt am ${formatDay(contact.date)} (${label(CONTACT_TOPICS, contact.topic)}).`,
            onRecorded: showLists,
          }),
        ),
        section(
          "Infoveranstaltung erfassen",
          await entryForm(document, {
            path: "/outreach-events",
            id: "outreach",
            wording: "outreach_event",
            preset: { date: today(), language: "de" },
            button: "Veranstaltung speichern",
            saved: (event) => `Gespeichert: ${event.title} am ${formatDay(event.date)} (${counted(event.attendees, "teilnehmende Person", "Teilnehmende")}).`,
            onRecorded: showLists,
          }),
        ),
      ),
    );
  }
  container.append(periodForm(period), lists);
  if (period.from > period.to) {
    lists.replaceChildren(message("Der Zeitraum endet, bevor er beginnt. Bitte das Datum „bis“ nach „von“ wählen.", "error"));
    return;
  }
  await showLists();
}

// One entry's form; once saved, the period's lists are read again, with the entry.
async function entryForm(document, { path, id, wording, preset, button, saved, onRecorded }) {
  return newEntryForm(document, await recordSchema(path), {
    id,
    idPrefix: id,
    wording,
    preset,
    button,
    send: (body, key) => recordEntry(path, body, key),
    onSaved: async (sent, summary) => {
      // After an unclear answer the first sending may be what was saved, not her edit of it: she is told so.
      const text = sent.earlier ? `${saved(sent.answer.entry)} ${EARLIER_TEXT}` : saved(sent.answer.entry);
      summary.replaceChildren(h("p", { class: "message info", role: "status", id: `${id}-notice` }, text));
      try {
        await onRecorded(sent.answer.position);
      } catch (error) {
        summary.replaceChildren(message(`${text} Die Listen ließen sich danach nicht neu laden (${error.message}); bitte laden Sie die Seite neu.`, "error"));
      }
    },
  });
}

// The period's entries, read once the views have counted `position` (the entry just saved), if one is given.
async function listsFor(period, position, acrossAgencies) {
  const query = { from: period.from, to: period.to, min_position: position };
  const [contacts, events] = await Promise.all([getAllPages("/contacts", query), getAllPages("/outreach-events", query)]);
  const agencyColumn = acrossAgencies ? ["Träger"] : [];
  const agencyCell = (entry) => (acrossAgencies ? [entry.agency] : []);
  const days = `${formatDay(period.from)} bis ${formatDay(period.to)}`;
  return [
    section(
      "Kurzkontakte",
      contacts.length === 0
        ? message(`Vom ${days} ist kein Kurzkontakt erfasst.`)
        : table({
            id: "contacts-table",
            caption: `${counted(contacts.length, "Kurzkontakt", "Kurzkontakte")} vom ${days}`,
            columns: ["Datum", ...agencyColumn, "Form", "Sprache", "Thema", "Weitergeleitet an", "Erfasst von"],
            numeric: () => false,
            rows: contacts.map((contact) => [
              formatDay(contact.date),
              ...agencyCell(contact),
              label(SESSION_MODES, contact.mode),
              label(LANGUAGES, contact.language),
              label(CONTACT_TOPICS, contact.topic),
              contact.referred_to ? label(REFERRAL_TARGETS, contact.referred_to) : "–",
              contact.recorded_by,
            ]),
          }),
    ),
    section(
      "Infoveranstaltungen",
      events.length === 0
        ? message(`Vom ${days} ist keine Infoveranstaltung erfasst.`)
        : table({
            id: "outreach-table",
            caption: `${counted(events.length, "Infoveranstaltung", "Infoveranstaltungen")} vom ${days}`,
            columns: ["Datum", ...agencyColumn, "Anlass", "Art", "Sprache", "Teilnehmende", "Erfasst von"],
            numeric: (index) => index === 4 + agencyColumn.length,
            rows: events.map((event) => [
              formatDay(event.date),
              ...agencyCell(event),
              event.title,
              label(OUTREACH_KINDS, event.kind),
              label(LANGUAGES, event.language),
              formatNumber(event.attendees),
              event.recorded_by,
            ]),
          }),
    ),
  ];
}

function periodForm(period) {
  const form = h(
    "form",
    { id: "desk-period", class: "inline" },
    h("label", { for: "desk-from" }, "Zeitraum von"),
    h("input", { id: "desk-from", name: "von", type: "date", value: period.from, required: true }),
    h("label", { for: "desk-to" }, "bis"),
    h("input", { id: "desk-to", name: "bis", type: "date", value: period.to, required: true }),
    h("button", { type: "submit" }, "Anzeigen"),
  );
  return showsChoiceIn(form, "kontakte");
}

const counted = (count, one, many) => `${formatNumber(count)} ${count === 1 ? one : many}`;

function daysBefore(days) {
  const day = new Date();
  day.setDate(day.getDate() - days);
  return isoDay(day);
}
