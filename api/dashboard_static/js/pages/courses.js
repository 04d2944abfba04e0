// "Kurse": the agency's course catalogue, searched by occupation, kind, start and postal code. Leads keep it: they
// list a provider's new offer through a form generated from the API's schema, and withdraw one that no longer runs.

import { ApiError, getJson, newIdempotencyKey, recordEntry, withdrawOffer } from "../api.js";
import { formatDay, formatNumber, h, message, section, table, today } from "../dom.js";
import { COURSE_KINDS, SCHEDULES, label } from "../labels.js";
import { courseTitle, fundingOptions, fundingWords, kindOptions, place } from "../offers.js";
import { openApiDocument, recordSchema } from "../schema.js";
import { EARLIER_TEXT, formOrNote, newEntryForm } from "../step-recorder.js";

const PAGE_SIZE = 50;

export async function render(container, { session }) {
  const keeping = session.role === "lead";
  const field = (id, text, control, hint) =>
    h("div", { class: "field" }, h("label", { for: id }, text), control, hint ? h("span", { class: "hint", id: `${id}-help` }, hint) : null);
  const occupation = h("input", { id: "offer-occupation", name: "occupation", autocomplete: "off", "aria-describedby": "offer-occupation-help" });
  const kind = h("select", { id: "offer-kind", name: "kind" }, h("option", { value: "" }, "alle"), kindOptions());
  const startsAfter = h("input", { id: "offer-starts-after", name: "starts_after", type: "date", value: today() });
  const postalCode = h("input", { id: "offer-postal-code", name: "postal_code", inputmode: "numeric", maxlength: 5, size: 6, autocomplete: "off", "aria-describedby": "offer-postal-code-help" });
  const funding = h("select", { id: "offer-funding", name: "funding" }, h("option", { value: "" }, "alle"), fundingOptions());
  const status = h("p", { class: "message error", role: "alert", hidden: true });
  const form = h(
    "form",
    { id: "offer-search", class: "search-grid" },
    field("offer-occupation", "Beruf", occupation, "z. B. „Pflege“ oder „Kauffrau Einzelhandel“"),
    field("offer-kind", "Kursart", kind),
    field("offer-starts-after", "Beginn nach", startsAfter),
    field("offer-postal-code", "PLZ beginnt mit", postalCode, "1 bis 5 Ziffern, z. B. 50 für Köln"),
    field("offer-funding", "Förderung", funding),
    h("div", { class: "field submit" }, h("button", { type: "submit" }, "Suchen")),
    status,
  );
  const results = h("div", { id: "offer-results", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Weitere Angebote laden");
  const notice = h("div", { id: "catalogue-notice", tabindex: "-1" });
  let offers = [];
  let cursor = null;
  let total = 0;

  function query() {
    return {
      occupation: occupation.value.trim(),
      kind: kind.value,
      starts_after: startsAfter.value,
      postal_code: postalCode.value.trim(),
      funding: funding.value,
      limit: PAGE_SIZE,
    };
  }

  // `position`: a write of hers the list must show (an offer listed or withdrawn just now).
  async function load(reset, position = null) {
    if (!/^[0-9]{0,5}$/.test(postalCode.value.trim())) {
      status.textContent = "Die Postleitzahl besteht aus bis zu fünf Ziffern.";
      status.hidden = false;
      results.replaceChildren(); // an earlier search's result would read as this search's
      more.hidden = true;
      return;
    }
    status.hidden = true;
    if (reset) {
      offers = [];
      cursor = null;
    }
    try {
      const page = await getJson("/offers", { ...query(), cursor, min_position: position });
      offers = offers.concat(page.items);
      cursor = page.next_cursor;
      total = page.total;
    } catch (error) {
      status.textContent = error.message;
      status.hidden = false;
      results.replaceChildren();
      more.hidden = true;
      return;
    }
    more.hidden = !cursor;
    results.replaceChildren(
      h("p", { id: "offer-count", class: "hint" }, `${formatNumber(total)} ${total === 1 ? "Angebot" : "Angebote"} gefunden${total > offers.length ? `, ${formatNumber(offers.length)} angezeigt` : ""}.`),
      offers.length === 0
        ? message("Kein Angebot passt zu dieser Suche.")
        : table({
            id: "offers-table",
            columns: ["Beginn", "Kurs", "Art", "Träger", "Berufe", "Ort", "Förderung", "Plätze", ...(keeping ? ["Katalog"] : [])],
            numeric: (index) => index === 7,
            rows: offers.map((offer) => [
              h("time", { datetime: offer.starts_on }, formatDay(offer.starts_on)),
              h("span", {}, courseTitle(offer), h("br"), h("span", { class: "hint" }, `bis ${formatDay(offer.ends_on)}`)),
              label(COURSE_KINDS, offer.kind),
              offer.provider,
              offer.occupations.length ? offer.occupations.join("; ") : "alle Berufe",
              h("span", {}, place(offer), h("br"), h("span", { class: "hint" }, label(SCHEDULES, offer.schedule))),
              fundingWords(offer),
              offer.seats === null ? "–" : formatNumber(offer.seats),
              ...(keeping ? [withdrawButton(offer, (done) => confirmWithdrawal(offer, done))] : []),
            ]),
          }),
    );
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));

  // The question before a withdrawal, shown above the list: what happens, an optional reason, and the two answers.
  function confirmWithdrawal(offer, done) {
    const reason = h("input", { id: "withdrawal-reason", name: "reason", maxlength: 500, autocomplete: "off" });
    const key = newIdempotencyKey(); // one question, one withdrawal: sending again after a broken connection is a retry
    const status = h("div", { role: "status" });
    const confirm = h("button", { type: "submit" }, "Endgültig zurückziehen");
    const panel = h(
      "form",
      { id: "withdrawal", class: "confirmation", tabindex: "-1", "aria-labelledby": "withdrawal-question" },
      h("p", { id: "withdrawal-question", class: "message warning" }, `„${offer.title}“ (${offer.provider}, ab ${formatDay(offer.starts_on)}) zurückziehen? Das Angebot bleibt mit seinem Verlauf gespeichert, erscheint aber nicht mehr in der Suche und in keinem Abgleich mit Fällen. Zurückziehen lässt sich nicht rückgängig machen.`),
      h("div", { class: "field" }, h("label", { for: "withdrawal-reason" }, "Grund (freiwillig, ohne Namen von Personen)"), reason),
      status,
      h("div", { class: "actions" }, confirm, h("button", { type: "button", class: "secondary", onclick: () => { notice.replaceChildren(); done(); } }, "Abbrechen")),
    );
    panel.addEventListener("submit", async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      try {
        const { position } = await withdrawOffer(offer.id, offer.version, reason.value.trim(), key);
        notice.replaceChildren(h("p", { class: "message success", role: "status", id: "withdrawal-notice" }, `Zurückgezogen: „${offer.title}“ (${offer.provider}).`));
        await load(true, position);
        notice.focus();
      } catch (error) {
        confirm.disabled = false;
        if (!(error instanceof ApiError)) throw error;
        const problem = error.problem ?? {};
        status.replaceChildren(message(`Nicht zurückgezogen. ${problem.title && problem.detail ? `${problem.title}: ${problem.detail}` : error.message}`, "error"));
      }
    });
    notice.replaceChildren(panel);
    panel.focus();
  }

  const sections = [
    h("p", { class: "hint" }, "Die Angebote der Bildungsträger im Katalog Ihres Trägers: Prüfungsvorbereitung, Teilqualifikationen, Anpassungsqualifizierungen, Sprachkurse und Umschulungen. Zurückgezogene Angebote erscheinen nicht."),
    keeping ? await formOrNote(() => newOffer(notice, (position) => load(true, position)), "Angebote") : null,
    section("Suche", form),
    section("Angebote", notice, results, more),
  ];
  container.append(...sections.filter(Boolean));
  await load(true);
}

// "Neues Angebot erfassen", folded away: a lead lists a provider's offer (POST /offers); the list is read again with it.
async function newOffer(notice, reload) {
  const path = "/offers";
  const form = newEntryForm(await openApiDocument(), await recordSchema(path), {
    id: "offer",
    idPrefix: "angebot",
    wording: "offer",
    preset: { language: "de" },
    button: "Angebot speichern",
    send: (body, key) => recordEntry(path, body, key),
    onSaved: async (sent, summary) => {
      const offer = sent.answer.entry;
      const text = `Gespeichert: „${offer.title}“ (${offer.provider}, ab ${formatDay(offer.starts_on)}).${sent.earlier ? ` ${EARLIER_TEXT}` : ""}`;
      summary.replaceChildren(h("p", { class: "message info", role: "status", id: "offer-notice" }, text));
      notice.replaceChildren();
      try {
        await reload(sent.answer.position);
      } catch (error) {
        summary.replaceChildren(message(`${text} Die Liste ließ sich danach nicht neu laden (${error.message}); bitte laden Sie die Seite neu.`, "error"));
      }
    },
  });
  return h("details", { class: "record-new", id: "offer-new" }, h("summary", {}, "Neues Angebot erfassen"), form);
}

function withdrawButton(offer, ask) {
  const button = h("button", { type: "button", class: "secondary", "aria-label": `„${offer.title}“ zurückziehen` }, "Zurückziehen");
  button.addEventListener("click", () => ask(() => button.focus()));
  return button;
}
