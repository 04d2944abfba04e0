// The signed-in user: the bearer token, kept in this tab's sessionStorage only, and the claims it names.
// The claims only choose what to show; the API checks the token's signature and enforces the role on every call.

const STORAGE_KEY = "lotse.token";

function claimsOf(token) {
  const [prefix, payload, signature] = token.split(".");
  if (prefix !== "lotse1" || !payload || !signature) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    if ([claims.sub, claims.role, claims.agency].every((claim) => typeof claim === "string")) {
      return { subject: claims.sub, role: claims.role, agency: claims.agency };
    }
  } catch {
    // Not base64 or not JSON: not one of our tokens.
  }
  return null;
}

export function readToken(token) {
  const claims = claimsOf(token.trim());
  return claims ? { token: token.trim(), ...claims } : null;
}

export function currentSession() {
  const token = sessionStorage.getItem(STORAGE_KEY);
  return token ? readToken(token) : null;
}

export function remember(session) {
  sessionStorage.setItem(STORAGE_KEY, session.token);
}

export function forget() {
  sessionStorage.removeItem(STORAGE_KEY);
}
