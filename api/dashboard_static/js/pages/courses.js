// "Kurse": the agency's course catalogue, searched by occupation, kind, start and postal code.

import { getJson } from "../api.js";
import { formatDay, formatNumber, h, message, section, table, today } from "../dom.js";
import { COURSE_KINDS, SCHEDULES, label } from "../labels.js";
import { courseTitle, fundingOptions, fundingWords, kindOptions, place } from "../offers.js";

const PAGE_SIZE = 50;

export async function render(container) {
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

  async function load(reset) {
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
      const page = await getJson("/offers", { ...query(), cursor });
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
            columns: ["Beginn", "Kurs", "Art", "Träger", "Berufe", "Ort", "Förderung", "Plätze"],
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
            ]),
          }),
    );
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));

  container.append(
    h("p", { class: "hint" }, "Die Angebote der Bildungsträger im Katalog Ihres Trägers: Prüfungsvorbereitung, Teilqualifikationen, Anpassungsqualifizierungen, Sprachkurse und Umschulungen. Zurückgezogene Angebote erscheinen nicht."),
    section("Suche", form),
    section("Angebote", results, more),
  );
  await load(true);
}
