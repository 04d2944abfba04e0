"""Release 0.2's new case steps over HTTP (issues 15 and 16): sessions with mode, language and interpreter; the
qualifications a client holds; referrals and their outcomes; the qualification plan. Each refusal answers its status
and names its rule or field, and records nothing; the deadlines show in `GET /deadlines`; the new free text is
personal data, hidden from auditors and erased with the client."""

from typing import Any

import pytest

from tests.api.conftest import Tokens
from tests.api.helpers import (
    AGENCY,
    AUDITOR,
    CATALOGUE_OFFER,
    COUNSELLOR,
    LEAD,
    OTHER_LEAD,
    Client,
    Json,
    assert_nothing_recorded,
    assert_problem,
    error_fields,
    list_offer,
    log_position,
    open_case,
    read_case,
    with_offer,
)


def step(step_type: str, day: str, **fields: Any) -> Json:
    return {"type": step_type, "date": day, **fields}


def item(item_id: str, kind: str, target: str, **fields: Any) -> Json:
    return {"item_id": item_id, "kind": kind, "description": f"{kind} {item_id}", "target_date": target, **fields}


QUALIFICATION = step(
    "qualification_recorded",
    "2026-01-08",
    qualification_id="q1",
    kind="academic",
    country="UA",
    title="Bachelor of Nursing, Kyiv Medical University",
    year=2012,
)
REFERRAL = step(
    "referral_made",
    "2026-01-21",
    referral_id="v1",
    to="language_course",
    organisation="VHS Köln",
    purpose="B2 course for nursing staff",
)
OUTCOME = step("referral_outcome_recorded", "2026-02-05", referral_id="v1", outcome="accepted")
PLAN = step(
    "plan_agreed",
    "2026-01-09",
    items=[
        item("p1", "recognition", "2026-03-01"),
        item("p2", "language", "2026-09-01", offer_id=CATALOGUE_OFFER),
        item("p3", "other", "2026-07-01"),
    ],
)
APPLY = step(
    "recognition_applied",
    "2026-01-20",
    application_id="r1",
    reference_occupation="Pflegefachfrau",
    responsible_body="state_authority",
    regulated=True,
)
ENROL_OFFER = step(
    "course_enrolled",
    "2026-02-02",
    course_id="c1",
    kind="language",
    provider="VHS Köln",
    funding="esf",
    offer_id=CATALOGUE_OFFER,
)


async def record(
    client: Client, case_id: str, bodies: list[Json], tokens: Tokens, offer_id: str = CATALOGUE_OFFER
) -> Json:
    """Records the steps in order, each answered 201, naming `offer_id` where they name CATALOGUE_OFFER (a listed
    offer's id: see `list_offer`); answers the case after the last."""
    answer: Json = {}
    for body in bodies:
        response = await client.post(
            f"/cases/{case_id}/steps", json=with_offer(body, offer_id), headers=tokens.headers(COUNSELLOR)
        )
        assert response.status_code == 201, response.text
        answer = response.json()
    return answer


def named_fields(problem: Json) -> list[str]:
    errors = problem.get("errors") or []
    assert all(error["message"] for error in errors), problem
    return [error["field"] for error in errors]


# (steps before, the refused step, status, rule, field)
REFUSED_STEPS = [
    pytest.param(
        [QUALIFICATION],
        {**QUALIFICATION, "date": "2026-01-09", "kind": "school"},
        409,
        "qualification_id_unique",
        "qualification_id",
        id="qualification-twice",
    ),
    pytest.param(
        [],
        {**QUALIFICATION, "year": 1980},
        422,
        "qualification_year_plausible",
        "year",
        id="qualification-before-birth",
    ),
    pytest.param(
        [QUALIFICATION],
        {**APPLY, "qualification_id": "q2"},
        409,
        "recognition_needs_qualification",
        "qualification_id",
        id="application-of-unknown-qualification",
    ),
    pytest.param(
        [REFERRAL],
        {**REFERRAL, "date": "2026-01-22", "to": "jobcenter"},
        409,
        "referral_id_unique",
        "referral_id",
        id="referral-twice",
    ),
    pytest.param([], OUTCOME, 409, "outcome_needs_referral", "referral_id", id="outcome-of-no-referral"),
    pytest.param(
        [REFERRAL],
        {**OUTCOME, "date": "2026-01-20"},
        422,
        "date_not_before_reference",
        "date",
        id="outcome-before-referral",
    ),
    pytest.param(
        [],
        {**PLAN, "items": [item("p1", "language", "2026-09-01"), item("p1", "exam", "2026-10-01")]},
        422,
        "plan_item_ids_unique",
        "items.1.item_id",
        id="plan-item-named-twice",
    ),
    pytest.param(
        [],
        {**PLAN, "items": [item("p1", "language", "2026-01-08")]},
        422,
        "target_date_not_before_plan",
        "items.0.target_date",
        id="plan-item-due-before-plan",
    ),
    pytest.param(
        [PLAN],
        {**PLAN, "date": "2026-01-08"},
        422,
        "date_not_before_reference",
        "date",
        id="plan-before-current-plan",
    ),
    pytest.param(
        [],
        step("plan_item_done", "2026-01-10", item_id="p1"),
        409,
        "completion_needs_plan_item",
        "item_id",
        id="no-plan",
    ),
    pytest.param(
        [PLAN],
        step("plan_item_done", "2026-01-10", item_id="p9"),
        409,
        "completion_needs_plan_item",
        "item_id",
        id="unknown-plan-item",
    ),
    pytest.param(
        [PLAN, step("plan_item_done", "2026-01-10", item_id="p3")],
        step("plan_item_done", "2026-01-11", item_id="p3"),
        409,
        "plan_item_done_once",
        "item_id",
        id="plan-item-done-twice",
    ),
    pytest.param(
        [PLAN, APPLY],
        step("plan_item_done", "2026-01-21", item_id="p1"),
        409,
        "plan_item_done_once",
        "item_id",
        id="plan-item-done-by-its-step-already",
    ),
]


@pytest.mark.parametrize(("before", "body", "status", "rule", "field"), REFUSED_STEPS)
async def test_a_new_step_refused_by_a_rule_names_the_rule_and_the_field_and_records_nothing(
    client: Client, tokens: Tokens, before: list[Json], body: Json, status: int, rule: str, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    offer_id = await list_offer(client, tokens.headers(LEAD))
    case = await open_case(client, headers)
    await record(client, case["id"], before, tokens, offer_id)
    version, head = 1 + len(before), await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=with_offer(body, offer_id), headers=headers)

    problem = assert_problem(response, status, rule=rule)
    assert field in named_fields(problem)
    await assert_nothing_recorded(client, case["id"], headers, version, head)


SESSION = step("counselling_session_held", "2026-01-07", minutes=45)

# (a body the schema refuses, the fields it must name)
INVALID_BODIES = [
    pytest.param({**SESSION, "language": "DE"}, {"language"}, id="language-in-capitals"),
    pytest.param({**SESSION, "language": "deu"}, {"language"}, id="three-letter-language"),
    pytest.param({**SESSION, "mode": "letter"}, {"mode"}, id="session-mode"),
    pytest.param({**SESSION, "interpreter": "yes"}, {"interpreter"}, id="interpreter"),
    pytest.param({**QUALIFICATION, "country": "Ukraine"}, {"country"}, id="qualification-country"),
    pytest.param({**QUALIFICATION, "kind": "doctorate"}, {"kind"}, id="qualification-kind"),
    pytest.param({**QUALIFICATION, "year": 1850}, {"year"}, id="qualification-year-range"),
    pytest.param({k: v for k, v in QUALIFICATION.items() if k != "title"}, {"title"}, id="qualification-no-title"),
    pytest.param({**APPLY, "responsible_body": "embassy"}, {"responsible_body"}, id="responsible-body"),
    pytest.param({**REFERRAL, "to": "friend"}, {"to"}, id="referral-target"),
    pytest.param({**OUTCOME, "outcome": "vanished"}, {"outcome"}, id="referral-outcome"),
    pytest.param({**PLAN, "items": []}, {"items"}, id="plan-without-items"),
    pytest.param({**PLAN, "items": [item("p1", "holiday", "2026-09-01")]}, {"items.0.kind"}, id="plan-item-kind"),
    pytest.param(
        {**PLAN, "items": [{**item("p1", "exam", "2026-09-01"), "description": ""}]},
        {"items.0.description"},
        id="plan-item-empty-description",
    ),
    pytest.param({**ENROL_OFFER, "offer_id": "-"}, {"offer_id"}, id="offer-id-pattern"),
]


@pytest.mark.parametrize(("body", "fields"), INVALID_BODIES)
async def test_a_new_step_the_schema_refuses_is_422_naming_the_field_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, fields: set[str]
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)

    response = await client.post(f"/cases/{case['id']}/steps", json=body, headers=headers)

    assert_problem(response, 422)
    assert fields <= set(error_fields(response)), response.text
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


# An offer_id names an offer of the catalogue of the case's agency (rule offer_of_agency)

GERMAN = {"Accept-Language": "de"}
# (the refused step naming an offer, the field the refusal names)
NAMING_AN_OFFER = [
    pytest.param(ENROL_OFFER, "offer_id", id="course-enrolled"),
    pytest.param(
        step(
            "plan_agreed",
            "2026-01-09",
            items=[
                item("p1", "recognition", "2026-03-01"),
                item("p2", "language", "2026-09-01", offer_id=CATALOGUE_OFFER),
            ],
        ),
        "items.1.offer_id",
        id="plan-item",
    ),
]


# What a refused offer_id names; None: an offer of another agency, listed by its lead.
NO_OFFER_OF_THE_AGENCY = [
    pytest.param("vhs-b2-2026", id="no-uuid"),
    pytest.param("0b9e3c1d-5a2f-4e6b-8c7d-1f2a3b4c5d6e", id="no-offer"),
    pytest.param(None, id="another-agency-s-offer"),
]


@pytest.mark.parametrize("named", NO_OFFER_OF_THE_AGENCY)
@pytest.mark.parametrize(("body", "field"), NAMING_AN_OFFER)
async def test_an_offer_id_naming_no_offer_of_the_agency_is_409_in_german_naming_the_field_and_records_nothing(
    client: Client, tokens: Tokens, body: Json, field: str, named: str | None
) -> None:
    offer_id = named or await list_offer(client, tokens.headers(OTHER_LEAD))
    await list_offer(client, tokens.headers(LEAD))  # the agency's catalogue is not empty: it holds another offer
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)

    response = await client.post(
        f"/cases/{case['id']}/steps", json=with_offer(body, offer_id), headers={**headers, **GERMAN}
    )

    problem = assert_problem(response, 409, rule="offer_of_agency")
    assert response.headers["content-language"] == "de"
    detail = f"„{offer_id}“ ist keine Kennung eines Angebots aus dem Kurskatalog der Stelle „{AGENCY}“."
    assert problem["detail"] == detail
    assert problem["errors"] == [{"field": field, "message": detail}]
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


async def test_a_plan_and_an_enrolment_name_an_offer_of_the_catalogue_even_once_it_is_withdrawn(
    client: Client, tokens: Tokens
) -> None:
    offer_id = await list_offer(client, tokens.headers(LEAD))
    case = await open_case(client, tokens.headers(COUNSELLOR))
    planned = await record(client, case["id"], [PLAN], tokens, offer_id)
    assert [(i["item_id"], i["offer_id"], i["status"]) for i in planned["plan"]["items"]] == [
        ("p1", None, "overdue"),
        ("p2", offer_id, "open"),
        ("p3", None, "open"),
    ]
    withdrawn = await client.post(f"/offers/{offer_id}/withdraw", headers=tokens.headers(LEAD))
    assert withdrawn.status_code == 200, withdrawn.text

    enrolled = await record(client, case["id"], [ENROL_OFFER], tokens, offer_id)

    assert [(c["course_id"], c["offer_id"]) for c in enrolled["courses"]] == [("c1", offer_id)]
    assert [(i["item_id"], i["status"], i["done_on"], i["done_with"]) for i in enrolled["plan"]["items"]] == [
        ("p1", "overdue", None, None),
        ("p2", "done", "2026-02-02", "course_enrolled"),
        ("p3", "open", None, None),
    ]


async def test_a_session_is_recorded_with_mode_language_and_interpreter_and_shown_in_the_history(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    await record(
        client,
        case["id"],
        [
            {**SESSION, "mode": "phone", "language": "fa", "interpreter": True},
            {**SESSION, "date": "2026-01-14"},
        ],
        tokens,
    )

    for who in (COUNSELLOR, AUDITOR):
        history = await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))
        sessions = [e["data"] for e in history.json()["events"] if e["type"] == "counselling_session_held"]
        assert [(s["mode"], s["language"], s["interpreter"]) for s in sessions] == [
            ("phone", "fa", True),
            ("in_person", "de", False),
        ]


async def test_qualifications_referrals_and_the_plan_show_in_the_case(client: Client, tokens: Tokens) -> None:
    offer_id = await list_offer(client, tokens.headers(LEAD))
    case = await open_case(client, tokens.headers(COUNSELLOR))

    answer = await record(
        client,
        case["id"],
        [QUALIFICATION, PLAN, {**APPLY, "qualification_id": "q1", "responsible_body": "zab"}, REFERRAL, ENROL_OFFER],
        tokens,
        offer_id,
    )

    assert answer["qualifications"] == [
        {
            "qualification_id": "q1",
            "kind": "academic",
            "country": "UA",
            "title": "Bachelor of Nursing, Kyiv Medical University",
            "year": 2012,
            "recorded_on": "2026-01-08",
        }
    ]
    assert (answer["applications"][0]["qualification_id"], answer["applications"][0]["responsible_body"]) == (
        "q1",
        "zab",
    )
    assert [(r["referral_id"], r["status"], r["outcome"]) for r in answer["referrals"]] == [("v1", "waiting", None)]
    assert answer["courses"][0]["offer_id"] == offer_id
    plan = answer["plan"]
    assert plan["agreed_on"] == "2026-01-09"
    # Today is 1 June 2026: p1 was done by the application, p2 by enrolling in its offer; p3 is still to come.
    assert [(i["item_id"], i["status"], i["done_on"], i["done_with"]) for i in plan["items"]] == [
        ("p1", "done", "2026-01-20", "recognition_applied"),
        ("p2", "done", "2026-02-02", "course_enrolled"),
        ("p3", "open", None, None),
    ]
    answered = await record(
        client, case["id"], [OUTCOME, {**OUTCOME, "date": "2026-03-02", "outcome": "completed"}], tokens
    )
    assert [(r["status"], r["outcome"], r["outcome_on"]) for r in answered["referrals"]] == [
        ("answered", "completed", "2026-03-02")
    ]


async def test_a_later_plan_replaces_the_plan_and_keeps_what_was_done(client: Client, tokens: Tokens) -> None:
    offer_id = await list_offer(client, tokens.headers(LEAD))
    case = await open_case(client, tokens.headers(COUNSELLOR))
    await record(client, case["id"], [PLAN, step("plan_item_done", "2026-01-12", item_id="p3")], tokens, offer_id)

    replaced = await record(
        client,
        case["id"],
        [
            step(
                "plan_agreed", "2026-02-01", items=[item("p3", "other", "2026-07-01"), item("p4", "exam", "2026-05-01")]
            )
        ],
        tokens,
    )

    assert replaced["plan"]["agreed_on"] == "2026-02-01"
    assert [(i["item_id"], i["status"], i["done_on"]) for i in replaced["plan"]["items"]] == [
        ("p3", "done", "2026-01-12"),
        ("p4", "overdue", None),  # due 1 May; today is 1 June
    ]
    assert [d for d in replaced["deadlines"] if d["kind"] == "plan_item"] == [
        {"kind": "plan_item", "ref": "p4", "due": "2026-05-01"}
    ]


async def test_referral_feedback_and_plan_items_are_due_in_the_deadlines(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    answered = await client.post(
        f"/cases/{case['id']}/steps",
        json=step(
            "plan_agreed", "2026-05-20", items=[item("p1", "exam", "2026-05-25"), item("p2", "other", "2026-08-01")]
        ),
        headers=tokens.headers(COUNSELLOR),
    )
    assert answered.status_code == 201, answered.text
    response = await client.post(
        f"/cases/{case['id']}/steps", json={**REFERRAL, "date": "2026-05-10"}, headers=tokens.headers(COUNSELLOR)
    )
    assert response.status_code == 201, response.text
    position = int(response.headers["lotse-position"])

    listed = await client.get("/deadlines", params={"min_position": position}, headers=tokens.headers(LEAD))

    assert listed.status_code == 200, listed.text
    mine = [
        {key: entry[key] for key in ("kind", "ref", "due", "overdue")}
        for entry in listed.json()
        if entry["case_id"] == case["id"] and entry["kind"] in ("plan_item", "referral_feedback")
    ]
    assert sorted(mine, key=lambda entry: entry["due"]) == [
        {"kind": "plan_item", "ref": "p1", "due": "2026-05-25", "overdue": True},
        {"kind": "referral_feedback", "ref": "v1", "due": "2026-06-09", "overdue": False},
        {"kind": "plan_item", "ref": "p2", "due": "2026-08-01", "overdue": False},
    ]

    # The outcome and the exam admission settle both: neither is due any more.
    outcome = await client.post(
        f"/cases/{case['id']}/steps", json={**OUTCOME, "date": "2026-05-28"}, headers=tokens.headers(COUNSELLOR)
    )
    assert outcome.status_code == 201, outcome.text
    exam = step(
        "exam_admission_applied", "2026-05-29", exam_id="e1", route="external_exam", occupation="Koch", chamber="ihk"
    )
    settled = await client.post(f"/cases/{case['id']}/steps", json=exam, headers=tokens.headers(COUNSELLOR))
    assert settled.status_code == 201, settled.text
    again = await client.get(
        "/deadlines",
        params={"min_position": int(settled.headers["lotse-position"])},
        headers=tokens.headers(LEAD),
    )
    left = {(e["kind"], e["ref"]) for e in again.json() if e["case_id"] == case["id"]}
    assert left == {("plan_item", "p2"), ("no_contact", "contact")}


PERSONAL_TEXTS = (
    "Bachelor of Nursing, Kyiv Medical University",
    "B2 course for nursing staff",
    "recognition p1",
    "language p2",
    "other p3",
)


def shown_texts(case: Json) -> list[Any]:
    """The titles, purposes and plan item descriptions a case shows."""
    texts = [q["title"] for q in case["qualifications"]] + [r["purpose"] for r in case["referrals"]]
    return texts + [i["description"] for i in (case["plan"] or {"items": []})["items"]]


async def test_titles_purposes_and_plan_descriptions_are_personal_data(client: Client, tokens: Tokens) -> None:
    offer_id = await list_offer(client, tokens.headers(LEAD))
    case = await open_case(client, tokens.headers(COUNSELLOR))
    await record(client, case["id"], [QUALIFICATION, PLAN, REFERRAL], tokens, offer_id)

    for who in (COUNSELLOR, LEAD):
        assert sorted(shown_texts(await read_case(client, case["id"], tokens.headers(who)))) == sorted(PERSONAL_TEXTS)
        history = await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))
        assert all(text in history.text for text in PERSONAL_TEXTS)
    audited = await read_case(client, case["id"], tokens.headers(AUDITOR))
    assert shown_texts(audited) == [None] * len(PERSONAL_TEXTS)
    assert [i["item_id"] for i in audited["plan"]["items"]] == ["p1", "p2", "p3"]  # the rest of the plan shows
    # The organisation is named in the counsellor's words too (0.2): hidden; the kind of service stays.
    assert (audited["referrals"][0]["to"], audited["referrals"][0]["organisation"]) == ("language_course", None)
    audited_history = await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(AUDITOR))
    assert not [text for text in PERSONAL_TEXTS if text in audited_history.text]
    plan_entry = next(e for e in audited_history.json()["events"] if e["type"] == "plan_agreed")
    assert [i["description"] for i in plan_entry["data"]["items"]] == [None, None, None]
    assert [i["target_date"] for i in plan_entry["data"]["items"]] == ["2026-03-01", "2026-09-01", "2026-07-01"]

    erased = await client.delete(f"/cases/{case['id']}/personal-data", headers=tokens.headers(LEAD))
    assert erased.status_code == 204, erased.text

    for who in (COUNSELLOR, LEAD, AUDITOR):
        after = await read_case(client, case["id"], tokens.headers(who))
        assert shown_texts(after) == [None] * len(PERSONAL_TEXTS)
        for version in range(1, after["version"] + 1):
            past = await client.get(
                f"/cases/{case['id']}", params={"as_of_version": version}, headers=tokens.headers(who)
            )
            assert not [text for text in PERSONAL_TEXTS if text in past.text], version
        history = await client.get(f"/cases/{case['id']}/history", headers=tokens.headers(who))
        assert not [text for text in PERSONAL_TEXTS if text in history.text]
    late = await record(client, case["id"], [{**REFERRAL, "referral_id": "v2", "purpose": "after the erasure"}], tokens)
    assert [r["purpose"] for r in late["referrals"]] == [None, None]
