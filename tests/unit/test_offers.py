"""The course catalogue's domain: how offers are created, changed and withdrawn, how occupation titles compare, how
near an offer is, and which kinds of course a case needs where it stands."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import msgspec
import pytest

from application.occupations import occupation_words, search_words
from domain import steps
from domain.errors import DomainError, InvalidStep, RuleViolated
from domain.matching import Listed, Target, fitting_kinds, matching_offers, occupation_fit, postal_distance
from domain.offers import OFFERS, Change, Creation, NewOffer, Offer, OfferChanged, OfferChanges, Withdrawal
from domain.registers import Stamp
from tests.unit.factories import apply, case_with_partial_decision, closed_case, opened_case, profile, step

OFFER_ID = UUID("00000000-0000-4000-8000-00000000000f")
AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


def new_offer(**changes: Any) -> NewOffer:
    fields: dict[str, Any] = {
        "provider": "Bildungswerk Rheinufer",
        "title": "Vorbereitung auf die Externenprüfung",
        "kind": "exam_preparation",
        "occupations": ("Kaufmann/-frau im Einzelhandel",),
        "postal_code": "50667",
        "city": "Köln",
        "starts_on": date(2026, 9, 7),
        "ends_on": date(2027, 2, 26),
        "schedule": "part_time",
        "language": "de",
        "funding": ("education_voucher",),
        "contact": "kurse@rheinufer.example",
    }
    return NewOffer(**{**fields, **changes})


def stamp(version: int, at: datetime = AT) -> Stamp:
    return Stamp(entry_id=OFFER_ID, version=version, at=at, today=TODAY, recorded_by="lea")


def created(**changes: Any) -> Offer:
    return OFFERS.evolve(None, Creation("koeln", new_offer(**changes))(None, stamp(1)))


def offer_state(**changes: Any) -> Offer:
    """An offer (version 1) with any of its state's fields replaced."""
    return msgspec.structs.replace(created(), **changes)


# Offers as records


def test_an_offer_is_created_active_for_its_agency_with_what_the_provider_listed() -> None:
    offer = created(seats=12, kldb="62102", url="https://rheinufer.example/kurse/1")

    assert (offer.id, offer.version, offer.agency, offer.status) == (OFFER_ID, 1, "koeln", "active")
    assert offer.details() == {
        **msgspec.structs.asdict(new_offer(seats=12, kldb="62102", url="https://rheinufer.example/kurse/1")),
    }
    assert offer.created_at == offer.changed_at == AT


def test_a_change_records_only_the_fields_whose_values_differ() -> None:
    offer = created()
    event = Change(OfferChanges(seats=14, city="Köln", title="Externenprüfung Einzelhandel"))(offer, stamp(2))

    assert isinstance(event, OfferChanged)
    assert event.changed() == {"seats": 14, "title": "Externenprüfung Einzelhandel"}
    changed = OFFERS.evolve(offer, event)
    assert (changed.version, changed.seats, changed.title) == (2, 14, "Externenprüfung Einzelhandel")
    assert changed.city == "Köln"
    assert msgspec.json.decode(msgspec.json.encode(event), type=OfferChanged) == event  # absent fields stay absent


def test_a_change_may_clear_an_optional_field() -> None:
    offer = created(seats=12)
    changed = OFFERS.evolve(offer, Change(OfferChanges(seats=None))(offer, stamp(2)))
    assert changed.seats is None


def test_a_change_that_sets_nothing_new_is_refused() -> None:
    offer = created()
    with pytest.raises(InvalidStep) as caught:
        Change(OfferChanges(city="Köln"))(offer, stamp(2))
    assert caught.value.rule == "offer_change_changes_something"


def test_a_change_is_checked_together_with_the_fields_it_leaves() -> None:
    offer = created()
    with pytest.raises(InvalidStep) as caught:
        Change(OfferChanges(ends_on=date(2026, 9, 1)))(offer, stamp(2))
    assert (caught.value.rule, caught.value.field) == ("offer_ends_after_start", "ends_on")


@pytest.mark.parametrize(
    ("changes", "rule", "field"),
    [
        ({"ends_on": date(2026, 9, 6)}, "offer_ends_after_start", "ends_on"),
        ({"occupations": ()}, "offer_names_an_occupation", "occupations"),
    ],
)
def test_an_offer_keeps_its_rules(changes: dict[str, Any], rule: str, field: str) -> None:
    with pytest.raises(InvalidStep) as caught:
        Creation("koeln", new_offer(**changes))(None, stamp(1))
    assert (caught.value.rule, caught.value.field) == (rule, field)


def test_only_a_language_course_may_name_no_occupation_and_repeats_are_dropped() -> None:
    language = created(kind="language", occupations=(), title="Deutsch B1")
    repeated = created(occupations=("Koch/Köchin", "Koch/Köchin"), funding=("esf", "esf", "self"))

    assert language.occupations == ()
    assert (repeated.occupations, repeated.funding) == (("Koch/Köchin",), ("esf", "self"))


def test_an_offer_ending_on_its_first_day_is_fine() -> None:
    assert created(ends_on=date(2026, 9, 7)).ends_on == date(2026, 9, 7)


def test_a_withdrawn_offer_is_final() -> None:
    offer = created()
    withdrawn = OFFERS.evolve(offer, Withdrawal("abgesagt")(offer, stamp(2)))

    assert (withdrawn.status, withdrawn.withdrawal_reason, withdrawn.version) == ("withdrawn", "abgesagt", 2)
    for decide in (Withdrawal(), Change(OfferChanges(seats=3))):
        with pytest.raises(RuleViolated) as caught:
            decide(withdrawn, stamp(3))
        assert caught.value.rule == "withdrawn_offer_is_final"


def test_events_out_of_order_are_a_corrupt_log() -> None:
    offer = created()
    with pytest.raises(ValueError, match="version"):
        OFFERS.evolve(offer, Withdrawal()(offer, stamp(3)))
    with pytest.raises(ValueError, match="OfferCreated"):
        OFFERS.evolve(None, Withdrawal()(offer, stamp(1)))


def test_requests_are_strict_and_bounded() -> None:
    body = msgspec.json.encode(new_offer())
    assert msgspec.json.decode(body, type=NewOffer) == new_offer()
    for bad in (
        {"postal_code": "5066"},
        {"kldb": "1234"},
        {"language": "deu"},
        {"url": "ftp://example.org"},
        {"seats": 0},
        {"schedule": "weekends"},
        {"funding": ["voucher"]},
        {"unknown": 1},
    ):
        data = {**msgspec.json.decode(body), **bad}
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(msgspec.json.encode(data), type=NewOffer)


# Occupation titles


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Kaufmann/-frau im Einzelhandel", "Kauffrau im Einzelhandel"),
        ("Kaufmann im Einzelhandel", "KAUFFRAU IM EINZELHANDEL"),
        ("Pflegefachmann/-frau", "Pflegefachfrau"),
        ("Elektroniker/-in", "Elektronikerin"),
        ("Fachkraft für Lagerlogistik", "Fachkraft fuer Lagerlogistik"),
        ("Bäcker (m/w/d)", "Baecker"),
    ],
)
def test_the_forms_of_one_occupation_are_the_same_words(one: str, other: str) -> None:
    assert occupation_words(one) == occupation_words(other) != frozenset()


def test_titles_without_words_have_none() -> None:
    assert occupation_words(None) == occupation_words("") == occupation_words("/-in 123") == frozenset()
    assert search_words("Pflege und Kauffrau pflege") == ("pflege", "kaufmann")


# Distance


@pytest.mark.parametrize(
    ("near", "postal_code", "rank"),
    [
        ("50667", "50667", 0),
        ("50667", "50668", 1),
        ("50667", "50699", 1),
        ("50667", "50823", 2),
        ("50667", "51143", 3),
        ("50667", "40213", 4),
    ],
)
def test_distance_is_the_shared_prefix_of_the_postal_codes(near: str, postal_code: str, rank: int) -> None:
    assert postal_distance(near, offer_state(postal_code=postal_code)) == rank


def test_an_online_course_is_near_everyone() -> None:
    assert postal_distance("01067", offer_state(postal_code="50667", schedule="online")) == 0


# Where a case stands


def test_a_new_case_needs_a_language_course_while_german_is_below_b1() -> None:
    for level, needed in (("none", True), ("A1", True), ("A2", True), ("B1", False), ("native", False)):
        case = opened_case(profile=profile(german_level=level))
        assert ("language" in fitting_kinds(case)) is needed, level
    assert fitting_kinds(opened_case(profile=profile(german_level="A2")))["language"].code == "german_below_b1"


def test_a_partial_decision_naming_an_adaptation_qualification_needs_one_until_the_final_decision() -> None:
    case = case_with_partial_decision(regulated=False, compensation="adaptation_qualification")
    assert fitting_kinds(case)["adaptation_qualification"].code == "partial_recognition_names_adaptation_qualification"

    final = apply(
        case,
        step(steps.CourseEnrolled, 60, kind="adaptation_qualification", application_id="r1"),
        step(steps.CourseCompleted, 90),
        step(steps.RecognitionDecided, 100, outcome="full", compensation="none"),
    )
    assert "adaptation_qualification" not in fitting_kinds(final)


def test_a_compensation_by_aptitude_test_needs_no_course() -> None:
    assert fitting_kinds(case_with_partial_decision(compensation="aptitude_test")) == {}
    assert "adaptation_course" in fitting_kinds(case_with_partial_decision(compensation="adaptation_course"))


def test_the_external_exam_route_needs_exam_preparation_until_the_exam_is_passed() -> None:
    recommended = apply(
        opened_case(),
        step(steps.AssessmentStarted, 5),
        step(steps.AssessmentCompleted, 9, recommended_pathway="external_exam"),
    )
    assert fitting_kinds(recommended)["exam_preparation"].code == "external_exam_recommended"
    applied = apply(recommended, step(steps.ExamAdmissionApplied, 20), step(steps.ExamAdmissionDecided, 30))
    assert fitting_kinds(applied)["exam_preparation"].code == "external_exam_admission"
    passed = apply(applied, step(steps.ExamResultRecorded, 60, result="passed"))
    assert "exam_preparation" not in fitting_kinds(passed)


def test_the_latest_assessment_names_the_pathway() -> None:
    case = apply(
        opened_case(),
        step(steps.AssessmentStarted, 5),
        step(steps.AssessmentCompleted, 9, recommended_pathway="partial_qualifications"),
        step(steps.AssessmentStarted, 20, assessment_id="a2"),
        step(steps.AssessmentCompleted, 25, assessment_id="a2", recommended_pathway="retraining"),
    )
    assert set(fitting_kinds(case)) == {"retraining"}


def test_a_module_taken_keeps_the_case_on_the_partial_qualification_pathway() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 5, kind="partial_qualification", module=1, modules=5))
    assert fitting_kinds(case)["partial_qualification"].code == "partial_qualification_modules_taken"


def test_a_closed_case_needs_nothing() -> None:
    assert fitting_kinds(closed_case(before=[step(steps.AssessmentStarted, 5)])) == {}
    case = apply(opened_case(profile=profile(german_level="A1")), step(steps.CaseClosed, 40))
    assert fitting_kinds(case) == {}


# Occupations and the whole match


def listed(offer: Offer) -> Listed:
    return Listed(offer, tuple(occupation_words(title) for title in offer.occupations))


def target(title: str | None, kldb: str | None = None) -> Target:
    return Target(title=title, words=occupation_words(title), kldb=kldb)


def test_an_occupation_fits_by_its_words_either_way_or_by_the_kldb_code() -> None:
    broad = offer_state(occupations=("Elektroniker/-in",))
    narrow = offer_state(occupations=("Elektronikerin für Betriebstechnik",), kldb="26212")

    fit = occupation_fit(target("Elektroniker für Betriebstechnik"), listed(broad))
    assert fit is not None
    assert (fit.how, fit.occupation) == ("occupation_words", "Elektroniker/-in")
    assert occupation_fit(target("Elektroniker/-in"), listed(narrow)) is not None
    assert occupation_fit(target("Mechatroniker"), listed(narrow)) is None
    by_code = occupation_fit(target("Mechatroniker", kldb="26212"), listed(narrow))
    assert by_code is not None
    assert by_code.how == "kldb"


def test_a_language_course_without_occupations_fits_every_target() -> None:
    general = offer_state(kind="language", occupations=())
    fit = occupation_fit(target(None), listed(general))
    assert fit is not None
    assert fit.how == "any_occupation"


def test_matches_are_nearest_first_then_by_start() -> None:
    offers = [
        offer_state(id=UUID(int=1), postal_code="40213", starts_on=date(2026, 7, 1)),
        offer_state(id=UUID(int=2), postal_code="50667", starts_on=date(2026, 9, 1)),
        offer_state(id=UUID(int=3), postal_code="50668", starts_on=date(2026, 8, 1)),
        offer_state(id=UUID(int=4), postal_code="50667", starts_on=date(2026, 8, 1)),
        offer_state(id=UUID(int=5), postal_code="50667", starts_on=TODAY),  # starts today: too late
        offer_state(id=UUID(int=6), postal_code="50667", starts_on=date(2026, 8, 1), status="withdrawn"),
        offer_state(id=UUID(int=7), postal_code="50667", starts_on=date(2026, 8, 1), kind="retraining"),
    ]
    kinds = fitting_kinds(apply(opened_case(), step(steps.ExamAdmissionApplied, 10)))
    found = matching_offers(kinds, target("Kaufmann im Einzelhandel"), map(listed, offers), TODAY, near="50667")

    assert [match.offer.id.int for match in found] == [4, 2, 3, 1]
    assert [match.distance for match in found] == [0, 0, 1, 4]
    unordered = matching_offers(kinds, target("Kaufmann im Einzelhandel"), map(listed, offers), TODAY)
    assert [match.offer.id.int for match in unordered] == [1, 3, 4, 2]  # the same start: by id
    assert all(match.distance is None for match in unordered)


def test_domain_errors_of_offers_name_their_rule() -> None:
    with pytest.raises(DomainError) as caught:
        Creation("koeln", new_offer(occupations=()))(None, stamp(1))
    assert caught.value.rule == "offer_names_an_occupation"
