"""Which recorded data identify or describe the client personally: free text and the personal data block.

Such data are shown only to counselling roles, stored only sealed under the client's own key, and read as erased
once the client's data are erased. Special-category attributes (disability, minority) are statistical, kept in
clear, and used only while the client consents.
"""

from msgspec.structs import replace

from domain import events
from domain.case import Case
from domain.decisions import SPECIAL_CATEGORIES

# Per step type, the fields a counsellor writes in her own words about the client.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "case_opened": ("personal",),
    "profile_corrected": ("birth_date",),
    "counselling_session_held": ("note",),
    "assessment_completed": ("result",),
    "recognition_deadline_extended": ("reason",),
    "recognition_decided": ("substantial_differences",),
    "recognition_withdrawn": ("reason",),
    "course_dropped": ("reason",),
    "exam_admission_decided": ("reason",),
    "counsellor_assigned": ("reason",),
    "case_reopened": ("reason",),
    "qualification_recorded": ("title",),
    "referral_made": ("purpose",),
}

# Per step type, the lists whose items hold such text, and the fields of each item that do.
PERSONAL_ITEM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "plan_agreed": {"items": ("description",)},
}

# Where the case's state keeps that free text: per part of the case, the fields of each of its items.
PERSONAL_PARTS: dict[str, tuple[str, ...]] = {
    "assessments": ("result",),
    "applications": ("substantial_differences", "withdrawal_reason"),
    "courses": ("drop_reason",),
    "exams": ("admission_reason",),
    "qualifications": ("title",),
    "referrals": ("purpose",),
    "plan_items": ("description",),
}

STEP_TYPES = set(events.STEP_EVENT_TYPES)


def redacted(case: Case) -> Case:
    """The case without its personal data and free text (the statistical profile stays)."""
    parts = {
        part: tuple(replace(item, **dict.fromkeys(fields)) for item in getattr(case, part))
        for part, fields in PERSONAL_PARTS.items()
    }
    return replace(case, personal=None, **parts)


def without_special_categories(case: Case) -> Case:
    """The case with disability and minority unknown, as they read once the client withdrew consent to their use."""
    unknown = dict.fromkeys(SPECIAL_CATEGORIES, "unknown")
    return replace(case, profile=replace(case.profile, **unknown))
