// A record's history as a timeline (a case's, an employer's): each event with its day, its type and version, who
// recorded it when, and its fields in words.

import { words } from "./case-parts.js";
import { formatDay, formatInstant, h } from "./dom.js";
import { EVENT_TYPES, fieldLabel, label } from "./labels.js";

// `erased`: the client's personal data are erased, so what the API withholds reads "gelöscht".
export function timelineList(events, { erased = false } = {}) {
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    events.map((event) =>
      h(
        "li",
        { "data-version": event.version },
        h("time", { datetime: event.date, class: "when" }, formatDay(event.date)),
        h(
          "div",
          { class: "what" },
          h("p", { class: "title" }, h("strong", {}, label(EVENT_TYPES, event.type)), h("span", { class: "version" }, `Version ${event.version}`)),
          h("p", { class: "meta" }, "erfasst von ", h("span", { class: "who" }, event.recorded_by), " am ", h("time", { datetime: event.recorded_at }, formatInstant(event.recorded_at))),
          details(event.data, event.withheld ?? [], erased),
          h("p", { class: "later-note" }, "nach dem gezeigten Stand"),
        ),
      ),
    ),
  );
}

// The event's fields in words; personal data appear only where the API sent them (never to auditors). A field the API
// withholds from her role (`withheld`: `note`, `profile.target_occupation`) says so, rather than vanishing like one
// left empty; the person's own data are the page's "Person" section's to explain.
function details(data, withheld, erased) {
  // A field of every item of a list (`items.description`) is not shown apart from its items.
  const hidden = new Set(withheld.filter((path) => !Array.isArray(data[path.split(".")[0]])).map((path) => path.split(".").pop()));
  const items = [];
  const add = (key, value) => {
    if (key === "personal") return;
    if (value === null && hidden.has(key)) {
      items.push(h("div", { class: "withheld" }, h("dt", {}, fieldLabel(key)), h("dd", {}, erased ? "gelöscht" : "nicht sichtbar für Ihre Rolle")));
      return;
    }
    if (value === null || value === undefined) return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) add(inner, innerValue);
      return;
    }
    items.push(h("div", {}, h("dt", {}, fieldLabel(key)), h("dd", {}, words(key, value))));
  };
  for (const [key, value] of Object.entries(data)) add(key, value);
  return items.length ? h("dl", { class: "details" }, items) : null;
}
