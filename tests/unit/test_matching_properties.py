"""Property tests of matching a case to the catalogue, against a deliberately plain reference written here.

The reference restates API.md's rules directly from how a journey was generated (not from the case state the domain
reads): which kinds a case needs, then filter and order the offers by brute force. Hypothesis draws journeys and
catalogues; the domain (domain/matching.py) must answer exactly what the reference answers, in the same order.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.occupations import occupation_words
from domain import steps
from domain.case import Case
from domain.matching import Listed, Target, fitting_kinds, matching_offers
from domain.offers import Offer
from tests.unit.factories import apply, opened_case, profile, step

BOUNDED = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 6, 1)
AT = datetime(2026, 5, 1, tzinfo=UTC)
TITLES = [
    "Kaufmann/-frau im Einzelhandel",
    "Kauffrau im Einzelhandel",
    "Elektroniker/-in",
    "Elektronikerin für Betriebstechnik",
    "Fachkraft für Lagerlogistik",
    "Pflegefachmann/-frau",
    "Koch/Köchin",
]
KINDS = [
    "exam_preparation",
    "partial_qualification",
    "adaptation_qualification",
    "adaptation_course",
    "language",
    "retraining",
]
POSTAL_CODES = ["50667", "50668", "50823", "51143", "40213", "44135", "01067"]


@dataclass(frozen=True)
class Journey:
    """What happened to a client, as the test chose it."""

    german_level: str
    target: str | None
    target_kldb: str | None
    recommended: str | None  # the pathway the (only) assessment recommends; None: no assessment completed
    compensation: str | None  # a partial decision's compensation measure; None: no decision
    final_decision: bool  # full equivalence after the measure
    external_exam: str | None  # None, "applied" or the result of the exam
    module_taken: bool
    closed: bool


journeys = st.builds(
    Journey,
    german_level=st.sampled_from(["none", "A1", "A2", "B1", "B2", "C1", "native", "unknown"]),
    target=st.sampled_from([*TITLES, None]),
    target_kldb=st.sampled_from([None, "62102", "26212"]),
    recommended=st.sampled_from(
        [None, "recognition", "external_exam", "partial_qualifications", "retraining", "validation", "none"]
    ),
    compensation=st.sampled_from([None, "adaptation_qualification", "adaptation_course", "aptitude_test", "none"]),
    final_decision=st.booleans(),
    external_exam=st.sampled_from([None, "applied", "passed", "failed"]),
    module_taken=st.booleans(),
    closed=st.booleans(),
)


def case_of(journey: Journey) -> Case:
    commands: list[steps.StepCommand] = []
    if journey.recommended is not None:
        commands += [
            step(steps.AssessmentStarted, 2),
            step(steps.AssessmentCompleted, 4, recommended_pathway=journey.recommended),
        ]
    if journey.compensation is not None:
        commands += [
            step(steps.RecognitionApplied, 5, regulated=journey.compensation in ("adaptation_course", "aptitude_test")),
            step(steps.RecognitionDecided, 20, outcome="partial", compensation=journey.compensation),
        ]
        if journey.final_decision and journey.compensation in ("adaptation_qualification", "adaptation_course"):
            commands += [
                step(steps.CourseEnrolled, 21, course_id="k1", kind=journey.compensation, application_id="r1"),
                step(steps.CourseCompleted, 40, course_id="k1"),
                step(steps.RecognitionDecided, 45, outcome="full", compensation="none"),
            ]
    if journey.module_taken:
        commands.append(step(steps.CourseEnrolled, 50, course_id="m1", kind="partial_qualification"))
    if journey.external_exam is not None:
        commands += [step(steps.ExamAdmissionApplied, 60), step(steps.ExamAdmissionDecided, 61)]
        if journey.external_exam != "applied":
            commands.append(step(steps.ExamResultRecorded, 70, result=journey.external_exam))
    if journey.closed:
        commands.append(step(steps.CaseClosed, 80))
    case = opened_case(
        profile=profile(
            german_level=journey.german_level, target_occupation=journey.target, target_kldb=journey.target_kldb
        )
    )
    return apply(case, *commands)


def reference_kinds(journey: Journey) -> set[str]:
    """API.md's rules, restated from the journey."""
    if journey.closed:
        return set()
    kinds = set()
    finalised = journey.final_decision and journey.compensation in ("adaptation_qualification", "adaptation_course")
    if journey.compensation in ("adaptation_qualification", "adaptation_course") and not finalised:
        kinds.add(journey.compensation)
    on_exam_route = journey.recommended == "external_exam" or journey.external_exam is not None
    if on_exam_route and journey.external_exam != "passed":
        kinds.add("exam_preparation")
    if journey.recommended == "partial_qualifications" or journey.module_taken:
        kinds.add("partial_qualification")
    if journey.recommended == "retraining":
        kinds.add("retraining")
    if journey.german_level in ("none", "A1", "A2"):
        kinds.add("language")
    return kinds


@BOUNDED
@given(journeys)
def test_the_kinds_a_case_needs_are_the_rules_of_api_md(journey: Journey) -> None:
    assert set(fitting_kinds(case_of(journey))) == reference_kinds(journey)


@st.composite
def catalogues(draw: st.DrawFn) -> list[Offer]:
    count = draw(st.integers(min_value=0, max_value=25))
    offers = []
    for number in range(count):
        kind = draw(st.sampled_from(KINDS))
        occupations = draw(st.lists(st.sampled_from(TITLES), max_size=2, unique=True))
        if kind != "language" and not occupations:
            occupations = [draw(st.sampled_from(TITLES))]
        starts_on = TODAY + timedelta(days=draw(st.integers(min_value=-5, max_value=5)))
        offers.append(
            Offer(
                id=UUID(int=draw(st.integers(min_value=0, max_value=2**20)) * 1000 + number),
                version=1,
                agency="koeln",
                provider="Träger",
                title="Kurs",
                kind=kind,
                occupations=tuple(occupations),
                postal_code=draw(st.sampled_from(POSTAL_CODES)),
                city="Köln",
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=30),
                schedule=draw(st.sampled_from(["full_time", "part_time", "evening", "online"])),
                language="de",
                funding=("esf",),
                contact="kurse@traeger.example",
                kldb=draw(st.sampled_from([None, "62102", "26212"])),
                seats=None,
                url=None,
                provider_course_id=None,
                status=draw(st.sampled_from(["active", "active", "withdrawn"])),
                created_at=AT,
                changed_at=AT,
            )
        )
    return offers


def reference_distance(near: str, offer: Offer) -> int:
    if offer.schedule == "online" or offer.postal_code == near:
        return 0
    if offer.postal_code[:3] == near[:3]:
        return 1
    if offer.postal_code[:2] == near[:2]:
        return 2
    if offer.postal_code[:1] == near[:1]:
        return 3
    return 4


def reference_matches(journey: Journey, offers: list[Offer], near: str | None) -> list[UUID]:
    kinds = reference_kinds(journey)
    target = occupation_words(journey.target)

    def occupation_fits(offer: Offer) -> bool:
        if journey.target_kldb is not None and offer.kldb == journey.target_kldb:
            return True
        if offer.kind == "language" and not offer.occupations:
            return True
        for title in offer.occupations:
            words = occupation_words(title)
            if words and target and (words.issubset(target) or target.issubset(words)):
                return True
        return False

    fitting = [
        offer
        for offer in offers
        if offer.kind in kinds and offer.status == "active" and offer.starts_on > TODAY and occupation_fits(offer)
    ]

    def order(offer: Offer) -> tuple[Any, ...]:
        distance = reference_distance(near, offer) if near is not None else 0
        return (distance, offer.starts_on, str(offer.id))

    return [offer.id for offer in sorted(fitting, key=order)]


def matched(journey: Journey, offers: list[Offer], near: str | None) -> list[UUID]:
    case = case_of(journey)
    target = Target(
        title=case.profile.target_occupation,
        words=occupation_words(case.profile.target_occupation),
        kldb=case.profile.target_kldb,
    )
    listed = [Listed(offer, tuple(occupation_words(title) for title in offer.occupations)) for offer in offers]
    return [match.offer.id for match in matching_offers(fitting_kinds(case), target, listed, TODAY, near)]


@BOUNDED
@given(journeys, catalogues(), st.sampled_from([None, *POSTAL_CODES]))
def test_matching_answers_what_the_reference_answers_in_its_order(
    journey: Journey, offers: list[Offer], near: str | None
) -> None:
    assert matched(journey, offers, near) == reference_matches(journey, offers, near)


@BOUNDED
@given(journeys, catalogues(), st.sampled_from(POSTAL_CODES), st.data())
def test_withdrawing_an_offer_takes_exactly_it_out_of_the_matches(
    journey: Journey, offers: list[Offer], near: str, data: st.DataObject
) -> None:
    before = matched(journey, offers, near)
    if not before:
        return
    gone = data.draw(st.sampled_from(before))
    after = matched(
        journey,
        [o if o.id != gone else Offer(**{**_fields(o), "status": "withdrawn"}) for o in offers],
        near,
    )
    assert after == [offer_id for offer_id in before if offer_id != gone]


@BOUNDED
@given(journeys, catalogues())
def test_no_match_starts_before_tomorrow_and_the_order_is_by_distance_then_start(
    journey: Journey, offers: list[Offer]
) -> None:
    by_id = {offer.id: offer for offer in offers}
    found = [by_id[offer_id] for offer_id in matched(journey, offers, "50667")]
    assert all(offer.starts_on > TODAY and offer.status == "active" for offer in found)
    keys = [(reference_distance("50667", offer), offer.starts_on) for offer in found]
    assert keys == sorted(keys)


def _fields(offer: Offer) -> dict[str, Any]:
    return {name: getattr(offer, name) for name in offer.__struct_fields__}
