// The course catalogue's words and pieces shared by the "Kurse" page and the matching offers on a case.

import { formatDay, h, message, section, table } from "./dom.js";
import { COURSE_KINDS, FUNDING, label } from "./labels.js";
import { getJson } from "./api.js";

const ORDERED_BY = {
  query: (near) => `Sortiert nach Entfernung zur Postleitzahl ${near}, dann nach Beginn.`,
  client_address: () => "Sortiert nach Entfernung zum Wohnort der Klientin oder des Klienten (die Adresse wird hier nicht angezeigt), dann nach Beginn.",
  none: () => "Sortiert nach Beginn: Für den Fall ist keine Postleitzahl bekannt. Geben Sie eine an, um nach Entfernung zu sortieren.",
};

export function place(offer) {
  return `${offer.postal_code} ${offer.city}`;
}

export function courseTitle(offer) {
  // The provider's page opens in a new window: the arrow shows it, the description (index.html) says it.
  return offer.url
    ? h("a", { href: offer.url, rel: "noopener noreferrer", target: "_blank", "aria-describedby": "new-window" }, offer.title)
    : offer.title;
}

export function fundingWords(offer) {
  return offer.funding.length ? offer.funding.map((item) => label(FUNDING, item)).join(", ") : "–";
}

// "Passende Kurse" on a case: the offers that fit where the case stands, nearest first, each with its reason.
export async function matchingSection(caseId) {
  const area = h("div", { id: "matching" });
  const near = h("input", { id: "near", name: "near", inputmode: "numeric", pattern: "[0-9]{5}", maxlength: 5, size: 6, autocomplete: "off", "aria-describedby": "near-help" });
  const status = h("p", { class: "message error", role: "alert", hidden: true });
  const form = h(
    "form",
    { id: "near-form", class: "inline", novalidate: true }, // checked below, in German
    h("label", { for: "near" }, "Entfernung ab Postleitzahl"),
    near,
    h("button", { type: "submit" }, "Neu sortieren"),
    h("span", { id: "near-help", class: "hint" }, "leer lassen: ab dem Wohnort laut Fallakte"),
    status,
  );

  async function load() {
    const value = near.value.trim();
    if (value && !/^[0-9]{5}$/.test(value)) {
      status.textContent = "Bitte eine fünfstellige Postleitzahl angeben.";
      status.hidden = false;
      return;
    }
    status.hidden = true;
    try {
      area.replaceChildren(matchingAnswer(await getJson(`/cases/${caseId}/matching-offers`, { near: value, limit: 50 })));
    } catch (error) {
      area.replaceChildren(message(error.message, "error"));
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  await load();
  return section(
    "Passende Kurse",
    h("p", { class: "hint" }, "Angebote des Kurskatalogs, die zum Zielberuf passen und die der Fall jetzt braucht; nur Kurse, die nach heute beginnen."),
    form,
    area,
  );
}

function matchingAnswer(answer) {
  const needs = answer.needs.length
    ? h("ul", { id: "needs" }, answer.needs.map((need) => h("li", { "data-code": need.code }, h("strong", {}, label(COURSE_KINDS, need.kind)), ": ", need.text)))
    : message("Nach dem Stand des Falls ist derzeit kein Kurs angezeigt (z. B. abgeschlossener Fall, Deutsch ab B1, noch kein Weg festgelegt).");
  const ordering = answer.ordered_by_distance_from ?? "none";
  const items = answer.items.length
    ? table({
        id: "matching-table",
        caption: `${answer.total} passende Angebote${answer.total > answer.items.length ? `, die ersten ${answer.items.length}` : ""}`,
        columns: ["Kurs", "Art", "Träger", "Beginn", "Ort", "Entfernung", "Warum passend"],
        numeric: () => false,
        rows: answer.items.map((item) => [
          courseTitle(item.offer),
          label(COURSE_KINDS, item.offer.kind),
          item.offer.provider,
          formatDay(item.offer.starts_on),
          `${place(item.offer)}${item.offer.schedule === "online" ? " (online)" : ""}`,
          item.distance ? item.distance.text : "–",
          h("span", { class: "reason", "data-code": item.reason.code, "data-occupation": item.reason.occupation }, item.reason.text),
        ]),
      })
    : message("Kein Angebot des Katalogs passt zurzeit zu diesem Fall.");
  return h(
    "div",
    {},
    h("h3", {}, "Bedarf nach Stand des Falls"),
    needs,
    h("p", { class: "hint", id: "matching-order" }, ORDERED_BY[ordering](answer.near)),
    items,
  );
}

export const kindOptions = () => Object.entries(COURSE_KINDS).map(([value, text]) => h("option", { value }, text));
export const fundingOptions = () => Object.entries(FUNDING).map(([value, text]) => h("option", { value }, text));
