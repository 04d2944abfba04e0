"""Which recorded data identify or describe the client personally: free text and the personal data block.

Such data are shown only to counselling roles, stored only sealed under the client's own key, and read as erased
once the client's data are erased. Every text a counsellor types in is such data, whatever it names (a topic, a
missing document, a course provider, an occupation, an organisation): in a small town any of them can point at one
person, and none of them is counted by a statistic. What the figures need is coded in clear beside it (the target
occupation's KldB code, the referral's target, the course's kind). Special-category attributes (disability,
minority) are statistical, kept in clear, and used only while the client consents.
"""

from msgspec.structs import replace

from domain import events
from domain.case import Case
from domain.rules.common import SPECIAL_CATEGORIES

# Per step type, the fields a counsellor writes in her own words about the client (`profile.target_occupation`: a
# field of the profile the event carries). A list of texts is sealed as one value.
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "case_opened": ("personal", "profile.target_occupation"),
    "profile_corrected": ("birth_date", "profile.target_occupation"),
    "counselling_session_held": ("note", "topics"),
    "assessment_completed": ("result",),
    "recognition_applied": ("reference_occupation",),
    "recognition_receipt_confirmed": ("missing_documents",),
    "recognition_deadline_extended": ("reason",),
    "recognition_decided": ("substantial_differences",),
    "recognition_withdrawn": ("reason",),
    "course_enrolled": ("provider",),
    "course_dropped": ("reason",),
    "exam_admission_applied": ("occupation",),
    "exam_admission_decided": ("reason",),
    "counsellor_assigned": ("reason",),
    "case_reopened": ("reason",),
    "qualification_recorded": ("title",),
    "referral_made": ("purpose", "organisation"),
}

# Per step type, those of its fields that the case's state does not keep (they are the history's, not the state's):
# a replay that only builds the state need not open them. tests/unit/test_properties.py (random journeys) and
# tests/integration/test_case_reads.py (every step type) show that leaving them unread changes no state.
NOT_KEPT_IN_STATE: dict[str, tuple[str, ...]] = {
    "counselling_session_held": ("note", "topics"),
    "counsellor_assigned": ("reason",),
    "case_reopened": ("reason",),
    "recognition_deadline_extended": ("reason",),
}

# Per step type, the lists whose items hold such text, and the fields of each item that do.
PERSONAL_ITEM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "plan_agreed": {"items": ("description",)},
}

# Where the case's state keeps that free text: per part of the case, the fields of each of its items.
PERSONAL_PARTS: dict[str, tuple[str, ...]] = {
    "assessments": ("result",),
    "applications": ("reference_occupation", "missing_documents", "substantial_differences", "withdrawal_reason"),
    "courses": ("provider", "drop_reason"),
    "exams": ("occupation", "admission_reason"),
    "qualifications": ("title",),
    "referrals": ("organisation", "purpose"),
    "plan_items": ("description",),
}

# The fields of the case's profile that are such text.
PERSONAL_PROFILE_FIELDS = ("target_occupation",)

STEP_TYPES = set(events.STEP_EVENT_TYPES)


def field_path(name: str) -> tuple[str, ...]:
    """A name of PERSONAL_FIELDS as the path into the event's fields."""
    return tuple(name.split("."))


def redacted(case: Case) -> Case:
    """The case without its personal data and free text (the statistical profile stays). An empty list of texts
    stays empty: it holds nothing to hide (no document missing once the documents are complete)."""
    parts = {
        part: tuple(
            replace(item, **{name: None for name in fields if getattr(item, name)}) for item in getattr(case, part)
        )
        for part, fields in PERSONAL_PARTS.items()
    }
    profile = replace(case.profile, **dict.fromkeys(PERSONAL_PROFILE_FIELDS))
    return replace(case, personal=None, profile=profile, **parts)


def without_special_categories(case: Case) -> Case:
    """The case with disability and minority unknown, as they read once the client withdrew consent to their use."""
    unknown = dict.fromkeys(SPECIAL_CATEGORIES, "unknown")
    return replace(case, profile=replace(case.profile, **unknown))
