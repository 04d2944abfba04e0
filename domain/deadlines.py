"""The dates a counsellor must watch, derived from a case's state."""

from domain.calendar import add_days, add_months
from domain.case import Case, Deadline

FOLLOW_UP_MONTHS = 6  # ESF+ EECR05/EECR06: six months after leaving
NO_CONTACT_DAYS = 60


def deadlines(case: Case) -> list[Deadline]:
    """Pending deadlines, earliest first: recognition decisions, the follow-up, the no-contact check.

    A closed case is watched only for its follow-up: its open applications are no longer the service's to chase.
    """
    pending = [
        Deadline(kind="recognition_decision", ref=application.application_id, due=application.decision_due)
        for application in case.applications
        if application.decision_due is not None and application.status != "decided" and case.status == "open"
    ]
    if case.exit is not None and case.follow_up is None:
        pending.append(Deadline(kind="follow_up", ref="exit", due=add_months(case.exit.closed_on, FOLLOW_UP_MONTHS)))
    if case.status == "open":
        pending.append(Deadline(kind="no_contact", ref="contact", due=add_days(case.last_contact_on, NO_CONTACT_DAYS)))
    return sorted(pending, key=lambda deadline: (deadline.due, deadline.kind, deadline.ref))
