// Building the page from data without innerHTML: every value from the API becomes text, never markup.

export function h(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

const NUMBER = new Intl.NumberFormat("de-DE");
const PERCENT = new Intl.NumberFormat("de-DE", { style: "percent", maximumFractionDigits: 1 });
const DAY = new Intl.DateTimeFormat("de-DE", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });
const MONTH = new Intl.DateTimeFormat("de-DE", { month: "short", year: "numeric", timeZone: "UTC" });
const INSTANT = new Intl.DateTimeFormat("de-DE", { dateStyle: "medium", timeStyle: "short" });

export const formatNumber = (value) => NUMBER.format(value);
export const formatPercent = (value) => PERCENT.format(value);
// A calendar day of the API (YYYY-MM-DD) is a day, not an instant: formatted in UTC so no time zone shifts it.
export const formatDay = (isoDay) => (isoDay ? DAY.format(new Date(`${isoDay}T00:00:00Z`)) : "–");
export const formatMonth = (isoDay) => MONTH.format(new Date(`${isoDay}T00:00:00Z`));
export const formatInstant = (iso) => INSTANT.format(new Date(iso));

export function isoDay(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export const today = () => isoDay(new Date());

export const shortId = (caseId) => caseId.slice(0, 8);

export function caseLink(caseId) {
  return h("a", { href: `#/fallverlauf/${caseId}`, class: "case-link", "aria-label": `Fall ${shortId(caseId)} öffnen` }, shortId(caseId));
}

// A case by its client's name (for counsellors and leads, to whom the API shows names); an erased name reads so.
export function clientLink(caseId, name) {
  return h("a", { href: `#/fallverlauf/${caseId}`, class: "client-link" }, name ?? "(Name gelöscht)");
}

// A suppressed cell says so in words: an empty cell or a zero would be read as "no one".
export function cell(value) {
  if (value === null) {
    return h("span", { class: "suppressed", title: "unterdrückt: weniger als 5 Personen, oder daraus errechenbar" }, "unterdrückt");
  }
  return formatNumber(value);
}

// An accessible table: a caption, column headers, and the first cell of every row as its row header.
export function table({ caption, columns, rows, numeric = () => true, id }) {
  const frame = h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { id },
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((column, index) => h("th", { scope: "col", class: index > 0 && numeric(index) ? "num" : null }, column)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", {}, row.map((value, index) =>
            index === 0 ? h("th", { scope: "row" }, value) : h("td", { class: numeric(index) ? "num" : null }, value),
          )),
        ),
      ),
    ),
  );
  scrolling.observe(frame);
  return frame;
}

// A table wider than the screen scrolls sideways in its own frame, not the page. That frame then takes keyboard focus
// (the arrow keys scroll it) and is a named region, so a screen reader says what it is; a frame that fits stays out
// of the tab order.
const scrolling = new ResizeObserver((entries) => {
  for (const { target: frame } of entries) {
    if (frame.scrollWidth > frame.clientWidth) {
      const caption = frame.querySelector("caption")?.textContent;
      const heading = frame.closest("section")?.querySelector("h1, h2")?.textContent;
      frame.tabIndex = 0;
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", `Tabelle ${caption || heading || ""} (seitlich verschiebbar)`.replace("  ", " "));
    } else {
      frame.removeAttribute("tabindex");
      frame.removeAttribute("role");
      frame.removeAttribute("aria-label");
    }
  }
});

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function section(title, ...content) {
  const id = `abschnitt-${title.toLowerCase().replace(/[^a-z0-9äöüß]+/g, "-")}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

// A filter form that shows its page again with what was chosen in the address (`#/page?von=…`): a reload or a
// bookmark keeps the choice. Empty fields are left out.
export function showsChoiceIn(form, page) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) chosen.set(name, value);
    location.hash = `#/${page}${chosen.size ? `?${chosen}` : ""}`;
  });
  return form;
}
