// The dashboard's shell: sign-in, the navigation each role may use, and the page named in the address (#/page/…).

import { ApiError, UNAUTHORISED_EVENT, VIEWS_BEHIND_EVENT, getJson } from "./api.js";
import { formatNumber, h, message } from "./dom.js";
import { currentSession, forget, readToken, remember } from "./session.js";

// Which role sees which page follows API.md's role table; the API refuses the rest anyway.
const PAGES = {
  "meine-faelle": { title: "Meine Fälle", roles: ["counsellor", "lead"], load: () => import("./pages/my-cases.js") },
  team: { title: "Team", roles: ["lead"], load: () => import("./pages/team.js") },
  fallverlauf: { title: "Fälle", roles: ["counsellor", "lead", "auditor"], load: () => import("./pages/timeline.js") },
  kontakte: { title: "Kurzkontakte und Veranstaltungen", roles: ["counsellor", "lead", "auditor"], load: () => import("./pages/contacts.js") },
  arbeitgeber: { title: "Arbeitgeber", roles: ["counsellor", "lead", "auditor"], load: () => import("./pages/employers.js") },
  kurse: { title: "Kurse", roles: ["counsellor", "lead", "auditor"], load: () => import("./pages/courses.js") },
  taetigkeitsbericht: { title: "Tätigkeitsbericht", roles: ["counsellor", "lead", "auditor"], load: () => import("./pages/activity.js") },
  // Leads keep the live, exact statistics (API.md 0.2): they see the figures before they publish them.
  foerderstatistik: { title: "Förderstatistik", roles: ["lead", "auditor"], load: () => import("./pages/statistics.js") },
  // Analysts read published reports only (API.md 0.2): live figures of any period could be set against each other.
  berichte: { title: "Berichte", roles: ["lead", "auditor", "analyst"], load: () => import("./pages/reports.js") },
};
const START_PAGES = { counsellor: "meine-faelle", lead: "team", auditor: "foerderstatistik", analyst: "berichte" };

const elements = {
  signIn: document.getElementById("sign-in"),
  form: document.getElementById("sign-in-form"),
  token: document.getElementById("token"),
  error: document.getElementById("sign-in-error"),
  navigation: document.getElementById("navigation"),
  account: document.getElementById("account"),
  who: document.getElementById("who"),
  page: document.getElementById("page"),
  main: document.getElementById("inhalt"),
  viewsBehind: document.getElementById("views-behind"),
};

function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/").filter(Boolean);
  return { name, rest, params: new URLSearchParams(query) };
}

function showSignIn(reason) {
  elements.signIn.hidden = false;
  elements.navigation.hidden = true;
  elements.account.hidden = true;
  elements.page.replaceChildren();
  elements.viewsBehind.hidden = true;
  elements.error.hidden = !reason;
  elements.error.textContent = reason ?? "";
  document.title = "Anmelden – Lotse";
  elements.token.focus();
}

function showNavigation(session, current, roleName) {
  const links = Object.entries(PAGES)
    .filter(([, page]) => page.roles.includes(session.role))
    .map(([name, page]) => h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, page.title)));
  elements.navigation.replaceChildren(h("ul", {}, links));
  elements.who.textContent = `${session.subject} · ${roleName(session.role)} · ${session.agency === "*" ? "alle Träger" : session.agency}`;
  elements.navigation.hidden = false;
  elements.account.hidden = false;
  elements.signIn.hidden = true;
}

let rendering = 0;

// The German words come from the server (labels.js loads them): the sign-in form shows without waiting for them.
async function roleNames() {
  try {
    const { ROLES, label } = await import("./labels.js");
    return (role) => label(ROLES, role);
  } catch {
    return (role) => role; // the page's own loading then says what went wrong
  }
}

async function render() {
  const session = currentSession();
  if (!session) {
    showSignIn();
    return;
  }
  const { name, rest, params } = route();
  if (!PAGES[name]) {
    location.replace(`#/${START_PAGES[session.role] ?? "foerderstatistik"}`);
    return;
  }
  const page = PAGES[name];
  const roleName = await roleNames();
  elements.viewsBehind.hidden = true; // until an answer of this page says otherwise
  showNavigation(session, name, roleName);
  document.title = `${page.title} – Lotse`;
  const container = h("section", { class: "page", "aria-labelledby": "page-title", "aria-busy": "true" }, h("h1", { id: "page-title", tabindex: "-1" }, page.title));
  elements.page.replaceChildren(container);
  const mine = ++rendering;
  if (!page.roles.includes(session.role)) {
    const allowed = page.roles.map(roleName).join(", ");
    container.append(message(`Die Seite „${page.title}“ ist für Ihre Rolle (${roleName(session.role)}) nicht freigegeben. Sie steht diesen Rollen offen: ${allowed}.`, "error"));
  } else {
    let module;
    try {
      module = await page.load();
    } catch {
      // The page's own script did not arrive (the browser's message names a file): the connection is what to check.
      if (mine === rendering) container.append(message(`Die Seite konnte nicht geladen werden. ${new ApiError(0).message}`, "error"));
    }
    try {
      if (module) await module.render(container, { session, rest, params, isCurrent: () => mine === rendering });
    } catch (error) {
      if (mine !== rendering) return;
      container.append(message(error instanceof ApiError ? error.message : "Die Seite konnte nicht angezeigt werden (ein Fehler im Dashboard). Bitte laden Sie sie neu.", "error"));
      if (!(error instanceof ApiError)) console.error(error);
    }
  }
  container.removeAttribute("aria-busy");
  if (mine === rendering) container.querySelector("h1").focus({ preventScroll: true });
}

elements.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const session = readToken(elements.token.value);
  if (!session) {
    showSignIn(
      elements.token.value.trim().startsWith("lotse1.")
        ? "Das Token ist unvollständig oder beschädigt. Bitte das ganze Token einfügen, ohne Zeilenumbruch."
        : "Das ist kein Lotse-Token. Ein Token beginnt mit „lotse1.“ – bitte vollständig einfügen.",
    );
    return;
  }
  try {
    // Any call proves the token; every role may list the published reports, and a year before any report keeps it small.
    await getJson("/reports", { period: "2000" }, { token: session.token });
  } catch (error) {
    showSignIn(error instanceof ApiError && error.status === 401 ? "Anmeldung fehlgeschlagen: Das Token ist ungültig oder abgelaufen." : error.message);
    return;
  }
  elements.token.value = "";
  remember(session);
  if (route().name && PAGES[route().name]) render();
  else location.hash = `#/${START_PAGES[session.role]}`;
});

document.getElementById("sign-out").addEventListener("click", () => {
  forget();
  history.replaceState(null, "", location.pathname);
  showSignIn();
});

// The skip link moves focus without touching the address, which names the page.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  elements.main.focus();
});

window.addEventListener(UNAUTHORISED_EVENT, () => {
  forget();
  showSignIn("Ihre Anmeldung ist abgelaufen oder wurde widerrufen. Bitte melden Sie sich neu an.");
});
// The figures of caseloads, deadlines and statistics lag far behind what was recorded: say so above the page.
window.addEventListener(VIEWS_BEHIND_EVENT, (event) => {
  const missing = event.detail === 1 ? "ein neuer Eintrag fehlt" : `${formatNumber(event.detail)} neue Einträge fehlen`;
  elements.viewsBehind.textContent =
    `Die Auswertungen sind nicht aktuell: ${missing} darin noch. Fallzahlen, Fristen und Statistik zeigen einen älteren Stand. ` +
    "Bitte informieren Sie den Betrieb (läuft „lotse worker“?).";
  elements.viewsBehind.hidden = false;
});
window.addEventListener("hashchange", render);
render();
