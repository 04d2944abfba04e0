"""The dates a counsellor must watch, derived from a case's state."""

from datetime import date

from domain.calendar import add_days, add_months
from domain.case import Case, Deadline, RecognitionApplication, Referral

FOLLOW_UP_MONTHS = 6  # ESF+ EECR05/EECR06: six months after leaving
FOLLOW_UP_TOLERANCE_DAYS = 28  # a follow-up describing a day within four weeks of that counts
NO_CONTACT_DAYS = 60
RECEIPT_MONTHS = 1  # § 13(3) BQFG: the body confirms receipt within a month
FAST_TRACK_RECEIPT_DAYS = 14  # § 14a BQFG: within two weeks on the fast track
REFERRAL_FEEDBACK_DAYS = 30  # a referral's outcome is asked for after a month (closing the loop)


def follow_up_window(closed_on: date) -> tuple[date, date]:
    """The days a follow-up may describe to count as "six months after leaving" (edges included)."""
    middle = add_months(closed_on, FOLLOW_UP_MONTHS)
    return add_days(middle, -FOLLOW_UP_TOLERANCE_DAYS), add_days(middle, FOLLOW_UP_TOLERANCE_DAYS)


def receipt_due(application: RecognitionApplication) -> date:
    if application.fast_track:
        return add_days(application.applied_on, FAST_TRACK_RECEIPT_DAYS)
    return add_months(application.applied_on, RECEIPT_MONTHS)


def referral_feedback_due(referral: Referral) -> date:
    return add_days(referral.referred_on, REFERRAL_FEEDBACK_DAYS)


def deadlines(case: Case) -> list[Deadline]:
    """Pending deadlines, earliest first: receipts and decisions of recognition bodies, referrals without feedback,
    open items of the qualification plan, the follow-up, the contact.

    A closed case is watched only for its follow-up: its open applications, referrals and plan items are no longer the
    service's to chase. A decision deadline that stands still (suspended) is not due; a withdrawn or decided
    application has none.
    """
    pending: list[Deadline] = []
    if case.status == "open":
        for application in case.applications:
            if application.status == "applied" and application.receipt_confirmed_on is None:
                pending.append(
                    Deadline(kind="recognition_receipt", ref=application.application_id, due=receipt_due(application))
                )
            running = application.status not in ("decided", "withdrawn") and application.suspended_since is None
            if application.decision_due is not None and running:
                pending.append(
                    Deadline(kind="recognition_decision", ref=application.application_id, due=application.decision_due)
                )
        pending += [
            Deadline(kind="referral_feedback", ref=referral.referral_id, due=referral_feedback_due(referral))
            for referral in case.referrals
            if referral.status == "waiting"
        ]
        pending += [
            Deadline(kind="plan_item", ref=item.item_id, due=item.target_date)
            for item in case.plan_items
            if item.status == "open"
        ]
    if case.exit is not None:
        start, end = follow_up_window(case.exit.closed_on)
        if not any(start <= follow_up.reference_date <= end for follow_up in case.follow_ups):
            due = add_months(case.exit.closed_on, FOLLOW_UP_MONTHS)
            pending.append(Deadline(kind="follow_up", ref="exit", due=due))
    if case.status == "open":
        pending.append(Deadline(kind="no_contact", ref="contact", due=add_days(case.last_contact_on, NO_CONTACT_DAYS)))
    return sorted(pending, key=lambda deadline: (deadline.due, deadline.kind, deadline.ref))
