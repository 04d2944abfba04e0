// A record's history as a timeline (a case's, an employer's): each event with its day, its type and version, who
// recorded it when, and its fields in words.

import { words } from "./case-parts.js";
import { formatDay, formatInstant, h } from "./dom.js";
import { EVENT_TYPES, fieldLabel, label } from "./labels.js";

export function timelineList(events) {
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
          details(event.data),
          h("p", { class: "later-note" }, "nach dem gezeigten Stand"),
        ),
      ),
    ),
  );
}

// The event's fields in words; personal data appear only where the API sent them (never to auditors).
function details(data) {
  const items = [];
  const add = (key, value) => {
    if (value === null || value === undefined || key === "personal") return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [inner, innerValue] of Object.entries(value)) add(inner, innerValue);
      return;
    }
    items.push(h("div", {}, h("dt", {}, fieldLabel(key)), h("dd", {}, words(key, value))));
  };
  for (const [key, value] of Object.entries(data)) add(key, value);
  return items.length ? h("dl", { class: "details" }, items) : null;
}
