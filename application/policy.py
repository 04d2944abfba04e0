"""Who may do and see what: API.md's role table, decided here for every use case (application/workspace.py).

The HTTP guards refuse a role early with the same tuples (before a request body is read); the use cases decide
again, so a caller that reaches them another way meets the same rules.
"""

from typing import assert_never

from application.errors import PermissionDenied
from application.ports import ALL_AGENCIES, Principal, Role

COUNSELLING: tuple[Role, ...] = ("counsellor", "lead")  # open cases, record steps, see personal data
CASE_READERS: tuple[Role, ...] = ("counsellor", "lead", "auditor")  # a case, its history, the case list, deadlines
LEADS: tuple[Role, ...] = ("lead",)  # reassign a case, erase a client's personal data
AUDITORS: tuple[Role, ...] = ("auditor",)  # verify the log, read the access log
# The desk's registers beside the cases (short contacts, outreach events, employers): counsellors and leads record,
# auditors read too; analysts read figures only.
DESK_READERS: tuple[Role, ...] = ("counsellor", "lead", "auditor")
# The live statistics (any period, any log position) are exact: analysts read published reports instead (0.2), whose
# suppression holds across everything published (application/disclosure.py).
LIVE_FIGURE_READERS: tuple[Role, ...] = ("counsellor", "lead", "auditor")


def require(principal: Principal, roles: tuple[Role, ...]) -> None:
    """Raises PermissionDenied unless the principal's role is one of `roles`."""
    if principal.role not in roles:
        raise PermissionDenied(f"the role '{principal.role}' may not do this (allowed: {', '.join(roles)})")


def require_live_figures(principal: Principal) -> None:
    """Analysts read published reports, not the live figures: two live answers a client apart would show her."""
    if principal.role not in LIVE_FIGURE_READERS:
        raise PermissionDenied(
            "analysts read published reports (GET /reports), not the live statistics", "analysts_read_published_reports"
        )


def sees_personal_data(role: Role) -> bool:
    """Counsellors and leads work with the client; everyone else reads without ever opening personal data."""
    match role:
        case "counsellor" | "lead":
            return True
        case "auditor" | "analyst":
            return False
        case _:
            assert_never(role)


def reads_suppressed_figures(role: Role) -> bool:
    """Analysts see no cell of fewer than MIN_CELL persons; the roles that may read cases see exact figures."""
    match role:
        case "analyst":
            return True
        case "counsellor" | "lead" | "auditor":
            return False
        case _:
            assert_never(role)


def sees_agency(principal: Principal, agency: str) -> bool:
    """A principal sees her own agency's cases; a `*` principal (a funder's auditor or analyst) every agency's."""
    return principal.agency in (agency, ALL_AGENCIES)


def agency_scope(principal: Principal, wanted: str | None) -> str | None:
    """The agency whose data the principal reads: her own, whatever she asked for; a `*` principal the one she
    asked for, or every agency (None)."""
    return wanted if principal.agency == ALL_AGENCIES else principal.agency


def counsellor_scope(principal: Principal, wanted: str | None) -> str | None:
    """Whose caseload and deadlines the principal reads: a counsellor only her own; the other roles anyone's."""
    match principal.role:
        case "counsellor":
            if wanted not in (None, principal.subject):
                raise PermissionDenied("a counsellor reads her own caseload and deadlines; a lead the agency's")
            return principal.subject
        case "lead" | "auditor" | "analyst":
            return wanted
        case _:
            assert_never(principal.role)
