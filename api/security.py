"""Headers every answer carries (API.md "Around the API"): no MIME sniffing, no referrer, no framing, and no caching
of answers about a person.

Pages (the dashboard, the API UI at /schema) get a Content-Security-Policy that allows nothing but this server and
no inline script or style; JSON and CSV answers one that allows nothing at all. Answers under the paths that show a
case, who read one or a row per participant are `no-store`: a shared computer's browser cache must not keep a
client's personal data.
"""

from litestar.types import Message, Scope

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
    " object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The participant export is a row per person: pseudonymised, still personal data (GDPR recital 26).
PERSONAL_PATHS = ("/cases", "/audit/access-log", "/exports")


def policy_for(path: str) -> str:
    # The API UI (api/schema_ui.py) starts itself from a file of this server, as the dashboard does: no inline script.
    if path.startswith(("/dashboard", "/schema")):
        return PAGE_POLICY
    return DATA_POLICY


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A before-send hook: every HTTP answer of the app gets the headers (errors and unknown paths too), unless the
    handler set them itself."""
    if message["type"] != "http.response.start":
        return
    path: str = scope["path"]
    added = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", policy_for(path).encode()),
    ]
    if path.startswith(PERSONAL_PATHS):
        added.append((b"cache-control", b"no-store"))
    headers = list(message.get("headers", []))
    present = {bytes(name).lower() for name, _ in headers}
    message["headers"] = headers + [(name, value) for name, value in added if name not in present]
