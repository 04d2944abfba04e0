"""Which data are personal (domain/privacy.py): every free text a step records is one the state's redaction covers,
an erased case keeps none of it afterwards, and withdrawn consent reads special categories as unknown."""

import msgspec

from domain import decisions, steps
from domain import events as ev
from domain.case import Case
from domain.evolution import evolve
from domain.privacy import (
    PERSONAL_FIELDS,
    PERSONAL_ITEM_FIELDS,
    PERSONAL_PARTS,
    STEP_TYPES,
    redacted,
    without_special_categories,
)
from tests.unit.factories import CONTEXT, apply, day, opened_case, profile, step

MARK = "zq-personal-7741"


def free_text_journey() -> Case:
    """A case whose every free-text field (and nothing else) contains MARK."""
    text = {"result": f"result {MARK}", "reason": f"reason {MARK}", "note": f"note {MARK}"}
    return apply(
        opened_case(personal=steps.PersonalData(name=f"name {MARK}")),
        step(steps.CounsellingSessionHeld, 1, note=text["note"]),
        step(steps.AssessmentStarted, 2),
        step(steps.AssessmentCompleted, 3, result=text["result"]),
        step(steps.RecognitionApplied, 4),
        step(steps.RecognitionDocumentsCompleted, 5),
        step(steps.RecognitionDeadlineExtended, 6, reason=text["reason"]),
        step(
            steps.RecognitionDecided,
            7,
            outcome="partial",
            substantial_differences=f"differences {MARK}",
            compensation="adaptation_qualification",
        ),
        step(steps.CourseEnrolled, 8),
        step(steps.CourseDropped, 9, reason=text["reason"]),
        step(steps.ExamAdmissionApplied, 10),
        step(steps.ExamAdmissionDecided, 11, reason=text["reason"]),
        step(steps.CounsellorAssigned, 12, reason=text["reason"]),
        step(steps.QualificationRecorded, 13, title=f"title {MARK}"),
        step(steps.ReferralMade, 14, purpose=f"purpose {MARK}"),
        step(
            steps.PlanAgreed,
            15,
            items=(steps.PlanItem(item_id="p1", kind="other", description=f"description {MARK}", target_date=day(60)),),
        ),
    )


def test_personal_fields_name_real_step_types_and_fields() -> None:
    for step_type, fields in PERSONAL_FIELDS.items():
        if step_type == "case_opened":
            assert fields == ("personal",)
            continue
        assert step_type in STEP_TYPES
        # Sealing works on what is stored: the event's fields. Each is something the counsellor sends too, in the
        # step itself or (the birth date of a correction) in its profile.
        event = ev.STEP_EVENT_TYPES[step_type]
        assert set(fields) <= set(event.__struct_fields__), step_type
        command = next(cls for cls in steps.StepCommand.__subclasses__() if cls.__struct_config__.tag == step_type)
        sent = set(command.__struct_fields__) | set(getattr(steps.ProfileChanges, "__struct_fields__", ()))
        assert set(fields) <= sent, step_type
    for part, fields in PERSONAL_PARTS.items():
        item_type = Case.__annotations__[part].__args__[0]
        assert set(fields) <= set(item_type.__struct_fields__), part


def test_personal_fields_of_list_items_name_real_lists_and_item_fields() -> None:
    assert PERSONAL_ITEM_FIELDS
    for step_type, lists in PERSONAL_ITEM_FIELDS.items():
        assert step_type in STEP_TYPES
        event = ev.STEP_EVENT_TYPES[step_type]
        command = next(cls for cls in steps.StepCommand.__subclasses__() if cls.__struct_config__.tag == step_type)
        for part, fields in lists.items():
            stored_item = event.__annotations__[part].__args__[0]
            sent_item = command.__annotations__[part].__origin__.__args__[0]  # Annotated[tuple[Item, ...], Meta]
            assert set(fields) <= set(stored_item.__struct_fields__), (step_type, part)
            assert set(fields) <= set(sent_item.__struct_fields__), (step_type, part)


def test_the_redacted_case_keeps_no_free_text_and_everything_else() -> None:
    case = free_text_journey()
    assert MARK.encode() in msgspec.json.encode(case)

    hidden = redacted(case)

    assert MARK.encode() not in msgspec.json.encode(hidden)
    assert hidden.personal is None
    assert (hidden.version, hidden.stage, hidden.profile, hidden.counsellor) == (
        case.version,
        case.stage,
        case.profile,
        case.counsellor,
    )
    assert [a.status for a in hidden.applications] == [a.status for a in case.applications]


def test_an_erased_case_keeps_no_free_text_recorded_afterwards() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 2))
    case = evolve(case, decisions.erase_personal_data(case, CONTEXT))

    after = apply(case, step(steps.CourseDropped, 3, reason=f"reason {MARK}"), step(steps.CounsellingSessionHeld, 4))

    assert after.personal_data_erased
    assert after.courses[0].status == "dropped"
    assert after.courses[0].drop_reason is None


def test_withdrawn_consent_reads_special_categories_as_unknown() -> None:
    case = opened_case(consent=True, profile=profile(disability="yes", minority="no", homeless=True))

    withdrawn = without_special_categories(case)

    assert (withdrawn.profile.disability, withdrawn.profile.minority) == ("unknown", "unknown")
    assert withdrawn.profile.homeless
    assert withdrawn.special_categories_consent  # the fact that consent was given stays
    assert msgspec.structs.replace(withdrawn, profile=case.profile) == case
