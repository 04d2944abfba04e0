"""Which data are personal (domain/privacy.py): every free text a step records is one the state's redaction covers,
an erased case keeps none of it afterwards, and withdrawn consent reads special categories as unknown."""

from collections.abc import Iterator
from typing import get_args

import msgspec
import msgspec.inspect as mi

from domain import decisions, steps
from domain import events as ev
from domain.case import Case
from domain.evolution import evolve
from domain.privacy import (
    PERSONAL_FIELDS,
    PERSONAL_ITEM_FIELDS,
    PERSONAL_PARTS,
    PERSONAL_PROFILE_FIELDS,
    STEP_TYPES,
    field_path,
    redacted,
    without_special_categories,
)
from tests.unit.factories import CONTEXT, apply, day, opened_case, profile, step

MARK = "zq-personal-7741"


def free_text_journey() -> Case:
    """A case whose every free-text field (and nothing else) contains MARK."""
    text = {"result": f"result {MARK}", "reason": f"reason {MARK}", "note": f"note {MARK}"}
    return apply(
        opened_case(
            personal=steps.PersonalData(name=f"name {MARK}"), profile=profile(target_occupation=f"target {MARK}")
        ),
        step(steps.CounsellingSessionHeld, 1, note=text["note"], topics=(f"topic {MARK}",)),
        step(steps.AssessmentStarted, 2),
        step(steps.AssessmentCompleted, 3, result=text["result"]),
        step(steps.RecognitionApplied, 4, reference_occupation=f"occupation {MARK}"),
        step(steps.RecognitionReceiptConfirmed, 4, missing_documents=(f"document {MARK}",)),
        step(steps.RecognitionDocumentsCompleted, 5),
        step(steps.RecognitionDeadlineExtended, 6, reason=text["reason"]),
        step(
            steps.RecognitionDecided,
            7,
            outcome="partial",
            substantial_differences=f"differences {MARK}",
            compensation="adaptation_qualification",
        ),
        step(steps.CourseEnrolled, 8, provider=f"provider {MARK}"),
        step(steps.CourseDropped, 9, reason=text["reason"]),
        step(steps.ExamAdmissionApplied, 10, occupation=f"occupation {MARK}"),
        step(steps.ExamAdmissionDecided, 11, reason=text["reason"]),
        step(steps.CounsellorAssigned, 12, reason=text["reason"]),
        step(steps.QualificationRecorded, 13, title=f"title {MARK}"),
        step(steps.ReferralMade, 14, purpose=f"purpose {MARK}", organisation=f"organisation {MARK}"),
        step(
            steps.PlanAgreed,
            15,
            items=(steps.PlanItem(item_id="p1", kind="other", description=f"description {MARK}", target_date=day(60)),),
        ),
    )


def test_personal_fields_name_real_step_types_and_fields() -> None:
    in_profile = {f"profile.{name}" for name in PERSONAL_PROFILE_FIELDS}
    for step_type, fields in PERSONAL_FIELDS.items():
        assert in_profile <= set(fields) or step_type not in ("case_opened", "profile_corrected"), step_type
        if step_type == "case_opened":
            assert fields == ("personal", *sorted(in_profile))
            continue
        assert step_type in STEP_TYPES
        # Sealing works on what is stored: the event's fields. Each is something the counsellor sends too, in the
        # step itself or (the birth date of a correction) in its profile.
        event = ev.STEP_EVENT_TYPES[step_type]
        command = next(cls for cls in steps.StepCommand.__subclasses__() if cls.__struct_config__.tag == step_type)
        sent = set(command.__struct_fields__) | set(getattr(steps.ProfileChanges, "__struct_fields__", ()))
        for name in fields:
            head, *rest = field_path(name)
            assert head in event.__struct_fields__, (step_type, name)
            if rest:
                assert rest == [name.removeprefix("profile.")]
                assert rest[0] in steps.ProfileChanges.__struct_fields__, (step_type, name)
            else:
                assert head in sent, (step_type, name)
    assert set(PERSONAL_PROFILE_FIELDS) <= set(steps.Profile.__struct_fields__)
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
    assert hidden.profile.target_occupation is None
    assert (hidden.version, hidden.stage, hidden.profile, hidden.counsellor) == (
        case.version,
        case.stage,
        msgspec.structs.replace(case.profile, target_occupation=None),
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


def _free_text_fields(info: mi.Type, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted paths of every field a counsellor may fill with text of her own (a string without a pattern, or
    a list of such), through nested records and list items (`items.description`)."""
    match info:
        case mi.StrType(pattern=None):
            yield ".".join(path)
        case mi.UnionType(types=types):
            for member in types:
                yield from _free_text_fields(member, path)
        case mi.Metadata(type=inner):
            yield from _free_text_fields(inner, path)
        case mi.ListType(item_type=item) | mi.VarTupleType(item_type=item):
            yield from _free_text_fields(item, path)
        case mi.StructType(fields=fields):
            for field in fields:
                yield from _free_text_fields(field.type, (*path, field.name))


def test_every_free_text_field_a_step_sends_is_sealed() -> None:
    """A new text field cannot slip into the log in clear: every one the API takes must be listed as personal."""
    commands = {"case_opened": steps.OpenCase} | {str(cls.__struct_config__.tag): cls for cls in get_args(steps.Step)}
    unsealed = []
    for step_type, command in commands.items():
        in_items = PERSONAL_ITEM_FIELDS.get(step_type, {})
        sealed = {
            *PERSONAL_FIELDS.get(step_type, ()),
            *(f"{part}.{name}" for part, names in in_items.items() for name in names),
        }
        for path in _free_text_fields(mi.type_info(command)):
            if path.split(".")[0] != "personal" and path not in sealed:
                unsealed.append(f"{step_type}.{path}")
    assert unsealed == []
    # What the check finds: the new fields of 0.2's hardening among them.
    found = {f"{t}.{p}" for t, c in commands.items() for p in _free_text_fields(mi.type_info(c))}
    new_in_0_2 = {
        "counselling_session_held.topics",
        "course_enrolled.provider",
        "case_opened.profile.target_occupation",
    }
    assert new_in_0_2 <= found


def test_an_empty_list_of_texts_stays_empty_when_the_case_is_redacted() -> None:
    """Once the documents are complete nothing is missing, erased or not (hypothesis found the erased case saying
    None instead)."""
    case = apply(
        opened_case(),
        step(steps.RecognitionApplied, 4),
        step(steps.RecognitionReceiptConfirmed, 5, missing_documents=(f"document {MARK}",)),
        step(steps.RecognitionDocumentsCompleted, 6),
        step(steps.RecognitionApplied, 7, application_id="r2"),
        step(steps.RecognitionReceiptConfirmed, 8, application_id="r2", missing_documents=()),
    )
    erased = evolve(case, decisions.erase_personal_data(case, CONTEXT))

    assert [a.missing_documents for a in redacted(case).applications] == [(), ()]
    assert [a.missing_documents for a in erased.applications] == [(), ()]
    named = apply(case, step(steps.RecognitionApplied, 9, application_id="r3"))
    named = apply(named, step(steps.RecognitionReceiptConfirmed, 10, application_id="r3", missing_documents=("x",)))
    assert redacted(named).applications[-1].missing_documents is None  # a list that names something is hidden
