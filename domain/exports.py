"""The participant export for the funder's monitoring system: one row per participant, ESF+ data only.

A participant of a period entered or made her final exit in it. Her row holds what the ESF+ common indicators know of
her (domain/indicators_v2.py): entry day, gender and the output indicators of her first case; the final exit's day,
the result indicators and the follow-up response. No name, no birth date, no case id: she is keyed by a pseudonym that
stays the same for the same person at the same agency in every export (an HMAC of her participant id under a key of
the agency), so the monitoring system can join her entry and exit records without learning who she is.
"""

from datetime import date

from domain.indicators import OUTPUT_CODES, RESULT_CODES
from domain.indicators_v2 import ParticipantFacts

EXPORT_VERSION = "lotse-participants-1"  # the column list below; a changed list gets a new version
COLUMNS: tuple[str, ...] = (
    "pseudonym",
    "agency",
    "entry_date",
    "gender",
    *OUTPUT_CODES,
    "exit_date",
    *RESULT_CODES,
    "follow_up_response",
)


def of_period(participant: ParticipantFacts, start: date, end: date) -> bool:
    """Whether the participant entered, or made her final exit, from `start` to `end` (both included)."""
    entered = start <= participant.entry_on <= end
    left = participant.exit_on is not None and start <= participant.exit_on <= end
    return entered or left


def export_row(participant: ParticipantFacts, pseudonym: str) -> tuple[str, ...]:
    """The participant's row in COLUMNS' order: codes as 1 or 0, an exit's fields empty while she has none."""
    exited = participant.exit_on is not None
    return (
        pseudonym,
        participant.agency,
        participant.entry_on.isoformat(),
        participant.gender,
        *("1" if code in participant.entry_codes else "0" for code in OUTPUT_CODES),
        participant.exit_on.isoformat() if participant.exit_on is not None else "",
        *(("1" if code in participant.exit_codes else "0") if exited else "" for code in RESULT_CODES),
        participant.follow_up or "",
    )
