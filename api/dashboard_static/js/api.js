// The dashboard's only source of data: the Lotse JSON API, called with the signed-in user's bearer token.

import { currentSession } from "./session.js";

export const UNAUTHORISED_EVENT = "lotse:unauthorised";
// An answer read from the projection views while these lag far behind the log (Lotse-Views-Behind: events missing).
export const VIEWS_BEHIND_EVENT = "lotse:views-behind";

export class ApiError extends Error {
  // `problem`: the problem details as the API sent them (RFC 9457: title, detail, rule, errors), or {}.
  constructor(status, detail, problem = {}) {
    super(explanation(status, detail));
    this.status = status;
    this.problem = problem;
  }
}

function explanation(status, detail) {
  switch (status) {
    case 0:
      return "Der Lotse-Dienst ist nicht erreichbar. Bitte prüfen Sie die Verbindung und versuchen Sie es erneut.";
    case 401:
      return "Ihre Anmeldung ist ungültig oder abgelaufen. Bitte melden Sie sich mit einem gültigen Token an.";
    case 403:
      return "Ihre Rolle darf diese Angaben nicht sehen.";
    case 404:
      return "Nicht gefunden – den Fall gibt es nicht, oder er gehört zu einem anderen Träger.";
    case 412:
      return "Der Fall wurde inzwischen geändert. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.";
    case 429:
      return "Zu viele Anfragen in kurzer Zeit. Bitte warten Sie einen Moment.";
    case 503:
      return "Der Dienst ist gerade nicht bereit (Datenbank oder Auswertungen im Rückstand). Bitte gleich noch einmal versuchen.";
    default:
      return detail ? `Die Anfrage wurde abgelehnt (${status}): ${detail}` : `Die Anfrage ist fehlgeschlagen (${status}).`;
  }
}

function url(path, query = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const encoded = search.toString();
  return encoded ? `${path}?${encoded}` : path;
}

async function call(path, { query, accept = "application/json", method = "GET", body, headers = {}, token } = {}) {
  const bearer = token ?? currentSession()?.token;
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers: {
        Accept: accept,
        "Accept-Language": "de", // refusals and their field messages in German, whatever the browser's language
        Authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    if (response.status === 401 && token === undefined) window.dispatchEvent(new Event(UNAUTHORISED_EVENT));
    throw new ApiError(response.status, problem.detail ?? null, problem);
  }
  const behind = response.headers.get("Lotse-Views-Behind");
  if (behind !== null) window.dispatchEvent(new CustomEvent(VIEWS_BEHIND_EVENT, { detail: Number(behind) }));
  return response;
}

export async function getJson(path, query, options = {}) {
  return (await call(path, { query, ...options })).json();
}

export async function getCsv(path, query) {
  return (await call(path, { query, accept: "text/csv" })).blob();
}

// Sends a new record (a published report, …); a refusal's detail comes in German.
export async function postJson(path, body) {
  return (await call(path, { method: "POST", body, headers: { "Accept-Language": "de" } })).json();
}

// Records one step on the version of the case the user saw (If-Match: a change in between is refused, never
// overwritten); answers the case after it and the step's log position (to wait for the views with). The same
// `idempotencyKey` on a retry records nothing twice. A refusal comes in German.
export async function recordStep(caseId, step, version, idempotencyKey = null) {
  const headers = { "If-Match": `"${version}"`, "Accept-Language": "de" };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const response = await call(`/cases/${caseId}/steps`, { method: "POST", body: step, headers });
  return { case: await response.json(), position: Number(response.headers.get("Lotse-Position")) };
}

// Opens a case at the first contact; answers the new case (with its possible duplicates).
export async function openCase(firstContact, idempotencyKey) {
  const headers = { "Accept-Language": "de", "Idempotency-Key": idempotencyKey };
  return (await call("/cases", { method: "POST", body: firstContact, headers })).json();
}

// Records one of the desk's entries (a short contact, an outreach event) under an Idempotency-Key; answers the entry
// and its log position (to read the lists with). A refusal comes in German.
export async function recordEntry(path, body, idempotencyKey) {
  const response = await call(path, { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
  return { entry: await response.json(), position: Number(response.headers.get("Lotse-Position")) };
}

// A key for Idempotency-Key. crypto.randomUUID exists only on https or localhost; an intranet may serve plain http.
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

// Every page of a paginated list, up to a bound that keeps a page small.
export async function getAllPages(path, query, bound = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await getJson(path, { ...query, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < bound);
  return items;
}

// Records one step of an employer on the version she saw (If-Match), once under `idempotencyKey`; answers the
// employer after it and the step's log position.
export async function recordEmployerStep(employerId, step, version, idempotencyKey) {
  const headers = { "If-Match": `"${version}"`, "Idempotency-Key": idempotencyKey };
  const response = await call(`/employers/${employerId}/steps`, { method: "POST", body: step, headers });
  return { employer: await response.json(), position: Number(response.headers.get("Lotse-Position")) };
}

// Withdraws a catalogue offer as of the version she saw (If-Match), once under `idempotencyKey`; answers the offer
// and the write's log position.
export async function withdrawOffer(offerId, version, reason, idempotencyKey) {
  const headers = { "If-Match": `"${version}"`, "Idempotency-Key": idempotencyKey };
  const response = await call(`/offers/${offerId}/withdraw`, { method: "POST", body: reason ? { reason } : {}, headers });
  return { offer: await response.json(), position: Number(response.headers.get("Lotse-Position")) };
}
