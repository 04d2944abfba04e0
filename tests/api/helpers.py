"""Who calls, what they send, and small readers of the answers, shared by the HTTP tests."""

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, get_args

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from application.ports import Principal
from domain import steps as domain_steps

Client = AsyncTestClient[Litestar]
Json = dict[str, Any]

# Berlin's 10:00 on Monday, 1 June 2026: "today" for the service unless a test moves the clock.
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)
AGENCY = "koeln"
OTHER_AGENCY = "bonn"

COUNSELLOR = Principal(subject="ayse", role="counsellor", agency=AGENCY)
SECOND_COUNSELLOR = Principal(subject="ben", role="counsellor", agency=AGENCY)
LEAD = Principal(subject="lea", role="lead", agency=AGENCY)
AUDITOR = Principal(subject="otto", role="auditor", agency=AGENCY)
ANALYST = Principal(subject="anna", role="analyst", agency=AGENCY)
FUNDER_AUDITOR = Principal(subject="fritz", role="auditor", agency="*")
OTHER_COUNSELLOR = Principal(subject="carla", role="counsellor", agency=OTHER_AGENCY)
OTHER_LEAD = Principal(subject="lena", role="lead", agency=OTHER_AGENCY)

FUNDER_ANALYST = Principal(subject="anya", role="analyst", agency="*")

# Everyone the tests issue tokens to, registered as `lotse token issue` registers them: every token is checked
# against the staff directory (API.md 0.2).
STAFF = [
    (who.agency, who.subject, who.role)
    for who in (
        COUNSELLOR,
        SECOND_COUNSELLOR,
        LEAD,
        AUDITOR,
        ANALYST,
        FUNDER_AUDITOR,
        FUNDER_ANALYST,
        OTHER_COUNSELLOR,
        OTHER_LEAD,
    )
]

PERSONAL = {"name": "Ayşe Yılmaz", "email": "ayse@example.org", "phone": "+49 221 1234", "address": "Domstraße 1"}
# How the case shows PERSONAL: with the birth date, which the body of case_body() does not give (it has the year).
PERSONAL_SHOWN = {**PERSONAL, "birth_date": None}
# What 0.2 records of a profile that does not name them (API.md: german_level defaults to unknown).
PROFILE_DEFAULTS = {"german_level": "unknown", "arrival_year": None, "target_kldb": None}


def case_body(**changes: Any) -> Json:
    """The body of `POST /cases` as API.md shows it; keyword arguments replace top-level fields."""
    body: Json = {
        "first_contact_on": "2026-01-05",
        "channel": "walk_in",
        "referral_source": "jobcenter",
        "counsellor": "ayse",
        "profile": {
            "birth_year": 1985,
            "gender": "female",
            "labour_status": "unemployed",
            "isced": 3,
            "foreign_background": True,
            "third_country_national": True,
            "disability": "unknown",
            "minority": "unknown",
            "homeless": False,
            "rural": False,
            "qualification_country": "TR",
            "target_occupation": "Kaufmann im Einzelhandel",
        },
        "personal": dict(PERSONAL),
        "consent": {"special_categories": False},
    }
    body.update(copy.deepcopy(changes))
    return body


def session_step(day: str = "2026-01-07", minutes: int = 45, **changes: Any) -> Json:
    return {"type": "counselling_session_held", "date": day, "minutes": minutes, "topics": ["recognition"], **changes}


CLOSING = {
    "type": "case_closed",
    "date": "2026-05-15",
    "reason": "qualification_obtained",
    "situation": {
        "job_searching": True,
        "in_education_or_training": False,
        "qualification_gained": True,
        "employed": False,
    },
}


# Where a step names an offer: an offer_id is one of the catalogue's (rule offer_of_agency), so a test lists the offer
# first (`list_offer`) and sends the step `with_offer` its id in place of this.
CATALOGUE_OFFER = "catalogue-offer"
# The offer the journey's plan and its enrolment in a language course name, as a lead lists it (POST /offers).
VHS_B2_OFFER: Json = {
    "provider": "VHS Köln",
    "title": "Deutsch für den Beruf B2",
    "kind": "language",
    "occupations": [],
    "postal_code": "50667",
    "city": "Köln",
    "starts_on": "2026-03-16",
    "ends_on": "2026-07-31",
    "schedule": "evening",
    "language": "de",
    "funding": ["education_voucher"],
    "contact": "kurse@vhs-koeln.example",
}


def with_offer(body: Json, offer_id: str) -> Json:
    """The body with the id of a listed offer wherever its `offer_id` is CATALOGUE_OFFER (in its items too)."""

    def replaced(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: offer_id if name == "offer_id" and item == CATALOGUE_OFFER else replaced(item)
                for name, item in value.items()
            }
        if isinstance(value, list):
            return [replaced(item) for item in value]
        return value

    changed: Json = replaced(body)
    return changed


# The qualification plan of the journey: the assessment, the application and the enrolment in the offer complete the
# first three items; the fourth is done by hand.
PLAN: Json = {
    "type": "plan_agreed",
    "date": "2026-01-09",
    "items": [
        {"item_id": "p1", "kind": "assessment", "description": "ProfilPASS", "target_date": "2026-02-01"},
        {"item_id": "p2", "kind": "recognition", "description": "Antrag IHK FOSA", "target_date": "2026-03-01"},
        {
            "item_id": "p3",
            "kind": "language",
            "description": "Deutsch B2",
            "target_date": "2026-04-01",
            "offer_id": CATALOGUE_OFFER,
        },
        {"item_id": "p4", "kind": "other", "description": "Zeugnisse übersetzen", "target_date": "2026-05-01"},
    ],
}


@dataclass(frozen=True)
class Step:
    """One step of the journey: who records it and the body they send."""

    who: Principal
    body: Json


# Every step type of API.md's table, in the order the journey tells it, as the domain accepts it: a session by video
# in Turkish with an interpreter, the qualification she holds (applied for with r1), a plan and a referral; a partial
# recognition of r1 made full by its adaptation qualification; a second application r2 whose deadline stands still
# for a qualification analysis, runs again and is withdrawn; an external exam failed and retaken; the exit, the
# situation on leaving learnt a week later, a 0.1-style follow-up and one naming its reference date and improvement.
JOURNEY: list[Step] = [
    Step(
        COUNSELLOR,
        {
            "type": "profile_corrected",
            "date": "2026-01-06",
            "profile": {"labour_status": "long_term_unemployed", "german_level": "B1", "arrival_year": 2019},
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "counselling_session_held",
            "date": "2026-01-07",
            "minutes": 60,
            "topics": ["recognition", "language"],
            "note": "brought her diploma",
            "mode": "video",
            "language": "tr",
            "interpreter": True,
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "qualification_recorded",
            "date": "2026-01-08",
            "qualification_id": "q1",
            "kind": "vocational",
            "country": "TR",
            "title": "Meslek Lisesi Diplomasi, Büro Yönetimi",
            "year": 2004,
        },
    ),
    Step(COUNSELLOR, PLAN),
    Step(
        COUNSELLOR,
        {"type": "assessment_started", "date": "2026-01-12", "assessment_id": "a1", "instrument": "profilpass"},
    ),
    Step(
        COUNSELLOR,
        {
            "type": "assessment_completed",
            "date": "2026-01-19",
            "assessment_id": "a1",
            "recommended_pathway": "recognition",
            "result": "retail experience",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_applied",
            "date": "2026-01-20",
            "application_id": "r1",
            "reference_occupation": "Kaufmann im Einzelhandel",
            "responsible_body": "ihk_fosa",
            "regulated": False,
            "fast_track": False,
            "qualification_id": "q1",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "referral_made",
            "date": "2026-01-21",
            "referral_id": "v1",
            "to": "migration_counselling",
            "organisation": "MBE Köln",
            "purpose": "questions about her residence permit",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_receipt_confirmed",
            "date": "2026-01-27",
            "application_id": "r1",
            "missing_documents": ["Arbeitszeugnis", "Lehrplan"],
        },
    ),
    Step(COUNSELLOR, {"type": "recognition_documents_completed", "date": "2026-02-02", "application_id": "r1"}),
    Step(
        COUNSELLOR,
        {"type": "referral_outcome_recorded", "date": "2026-02-05", "referral_id": "v1", "outcome": "appointment_kept"},
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_applied",
            "date": "2026-02-03",
            "application_id": "r2",
            "reference_occupation": "Kaufmann für Büromanagement",
            "responsible_body": "ihk_fosa",
            "regulated": False,
            "fast_track": False,
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_receipt_confirmed",
            "date": "2026-02-10",
            "application_id": "r2",
            "missing_documents": [],
        },
    ),
    Step(COUNSELLOR, {"type": "recognition_documents_completed", "date": "2026-02-11", "application_id": "r2"}),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_deadline_suspended",
            "date": "2026-02-16",
            "application_id": "r2",
            "reason": "qualification_analysis",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_deadline_extended",
            "date": "2026-02-20",
            "application_id": "r1",
            "due": "2026-06-02",
            "reason": "expert opinion needed",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_decided",
            "date": "2026-03-02",
            "application_id": "r1",
            "outcome": "partial",
            "substantial_differences": "Warenwirtschaft, Rechnungswesen",
            "compensation": "adaptation_qualification",
        },
    ),
    Step(COUNSELLOR, {"type": "recognition_deadline_resumed", "date": "2026-03-02", "application_id": "r2"}),
    Step(
        COUNSELLOR,
        {
            "type": "course_enrolled",
            "date": "2026-03-09",
            "course_id": "c1",
            "kind": "adaptation_qualification",
            "provider": "Bildungswerk Köln",
            "funding": "esf",
            "module": 1,
            "modules": 3,
            "planned_end": "2026-04-10",
            "application_id": "r1",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "course_enrolled",
            "date": "2026-03-16",
            "course_id": "c2",
            "kind": "language",
            "provider": "VHS Köln",
            "funding": "education_voucher",
            "offer_id": CATALOGUE_OFFER,
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "recognition_withdrawn",
            "date": "2026-03-20",
            "application_id": "r2",
            "reason": "concentrates on the retail occupation",
        },
    ),
    Step(COUNSELLOR, {"type": "course_dropped", "date": "2026-04-01", "course_id": "c2", "reason": "schedule clash"}),
    Step(COUNSELLOR, {"type": "plan_item_done", "date": "2026-04-08", "item_id": "p4"}),
    Step(COUNSELLOR, {"type": "course_completed", "date": "2026-04-10", "course_id": "c1", "certificate": True}),
    Step(
        COUNSELLOR,
        {"type": "recognition_decided", "date": "2026-04-13", "application_id": "r1", "outcome": "full"},
    ),
    Step(
        COUNSELLOR,
        {
            "type": "exam_admission_applied",
            "date": "2026-04-15",
            "exam_id": "e1",
            "route": "external_exam",
            "occupation": "Kaufmann im Einzelhandel",
            "chamber": "ihk",
            "basis": "work_experience",
        },
    ),
    Step(
        COUNSELLOR,
        {
            "type": "exam_admission_decided",
            "date": "2026-04-22",
            "exam_id": "e1",
            "granted": True,
            "reason": "experience",
        },
    ),
    Step(COUNSELLOR, {"type": "exam_result_recorded", "date": "2026-04-29", "exam_id": "e1", "result": "failed"}),
    Step(COUNSELLOR, {"type": "exam_result_recorded", "date": "2026-05-11", "exam_id": "e1", "result": "passed"}),
    Step(LEAD, {"type": "counsellor_assigned", "date": "2026-05-12", "counsellor": "ben", "reason": "transfer"}),
    Step(SECOND_COUNSELLOR, CLOSING),
    Step(
        SECOND_COUNSELLOR,
        {"type": "follow_up_recorded", "date": "2026-05-20", "employed": True, "improved_situation": True},
    ),
    Step(
        SECOND_COUNSELLOR,
        {
            "type": "leaving_situation_recorded",
            "date": "2026-05-22",
            "situation": {
                "job_searching": False,
                "in_education_or_training": False,
                "qualification_gained": True,
                "employed": True,
            },
        },
    ),
    Step(
        SECOND_COUNSELLOR,
        {
            "type": "follow_up_recorded",
            "date": "2026-05-28",
            "reference_date": "2026-05-25",
            "outcome": "reached",
            "employed": True,
            "improvement": "precarious_to_stable",
        },
    ),
    Step(SECOND_COUNSELLOR, {"type": "case_reopened", "date": "2026-05-29", "reason": "wants a further qualification"}),
    Step(SECOND_COUNSELLOR, {"type": "consent_changed", "date": "2026-05-30", "special_categories": True}),
]

# API.md's step table: every type a client may send, as the request union declares them.
API_STEP_TYPES = {str(member.__struct_config__.tag) for member in get_args(domain_steps.Step)}


def etag(version: int) -> str:
    return f'"{version}"'


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, *, rule: str | None = None) -> Json:
    """An RFC 9457 problem with the given status (and rule, when one is named); answers its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: Json = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    if rule is not None:
        assert body.get("rule") == rule, body
    return body


def error_fields(response: httpx.Response) -> list[str]:
    """The field paths a 422 names in `errors[].field`."""
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert all(isinstance(error["message"], str) and error["message"] for error in errors), errors
    return [error["field"] for error in errors]


async def open_case(client: Client, headers: dict[str, str], **changes: Any) -> Json:
    """Opens a case and answers it (as the 201 carried it)."""
    response = await client.post("/cases", json=case_body(**changes), headers=headers)
    assert response.status_code == 201, response.text
    case: Json = response.json()
    return case


async def list_offer(client: Client, headers: dict[str, str], **changes: Any) -> str:
    """Lists VHS_B2_OFFER (keyword arguments replace its fields) in the catalogue as the caller, a lead; answers its
    id."""
    response = await client.post("/offers", json={**VHS_B2_OFFER, **changes}, headers=headers)
    assert response.status_code == 201, response.text
    offer_id: str = response.json()["id"]
    return offer_id


async def read_case(client: Client, case_id: str, headers: dict[str, str]) -> Json:
    response = await client.get(f"/cases/{case_id}", headers=headers)
    assert response.status_code == 200, response.text
    case: Json = response.json()
    return case


async def event_count(client: Client, case_id: str, headers: dict[str, str]) -> int:
    """How many events the case's history holds (to show that a refused request recorded nothing)."""
    response = await client.get(f"/cases/{case_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    return len(response.json()["events"])


async def log_position(client: Client) -> int:
    """The global event log's head, as the public readiness probe reports it."""
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    position: int = response.json()["log_position"]
    return position


async def assert_nothing_recorded(
    client: Client, case_id: str, headers: dict[str, str], version: int, head: int
) -> None:
    """The case is still at `version` with as many events, and the global log has not moved past `head`."""
    assert (await read_case(client, case_id, headers))["version"] == version
    assert await event_count(client, case_id, headers) == version
    assert await log_position(client) == head
