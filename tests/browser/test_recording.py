"""A counsellor's day in the dashboard: find a client by name, open her case, record steps through the forms the
dashboard generates from the API's schema, and see them in the timeline; refusals come in German next to the field."""

import re
import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Request, Route, expect

from tests.browser.conftest import Demo, Tab
from tests.browser.helpers import local_today, short, table_rows

SNAKE_CASE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+\b")


@pytest.fixture(autouse=True)
def views_caught_up_afterwards(demo: Demo) -> Iterator[None]:
    """These tests record: the pages tested after them compare the views' figures with the log, so the views must
    have counted what was recorded here before the next test starts."""
    yield
    demo.wait_for_views()


def open_case_of(demo: Demo, counsellor: str = "ayse") -> dict[str, Any]:
    """An open case of the counsellor, as the API shows it to her (with the client's name)."""
    for item in demo.all_pages("counsellor", "/cases", counsellor=counsellor, status="open"):
        if item["name"]:
            case: dict[str, Any] = demo.api("counsellor", f"/cases/{item['id']}")
            return case
    raise AssertionError("the demo has no open case with a name")


def record_by_api(demo: Demo, case: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    recorded: dict[str, Any] = demo.post("counsellor", f"/cases/{case['id']}/steps", step)
    return recorded


def test_a_counsellor_finds_a_client_by_name_and_records_a_session_that_shows_in_the_timeline(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo)
    name = case["personal"]["name"]
    tab.sign_in("counsellor")
    page = tab.page
    tab.open("#/fallverlauf")

    page.get_by_label("Name der Person").fill(name.split()[-1].upper())  # as typed in a hurry: any case matches
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#cases-table caption")).to_contain_text("Treffer für")
    found = table_rows(page, "#cases-table")
    assert (name, short(case["id"])) in [(row[0], row[1]) for row in found]
    tab.screenshot("suche-nach-namen", readme=True)

    # By its address: two clients of the demo may share a name.
    with tab.navigating():
        page.locator(f"#cases-table a[href='#/fallverlauf/{case['id']}']").first.click()
    expect(page.locator("#page h1")).to_have_text(f"Fall: {name}")

    posted: list[Request] = []
    page.on("request", lambda request: posted.append(request) if request.method == "POST" else None)
    expect(page.get_by_label("Art des Schritts")).to_have_value("counselling_session_held")
    page.get_by_label("Minuten *").fill("50")
    page.get_by_label("Themen").fill("Anerkennung des Abschlusses\nSprachkurs B2")
    page.get_by_label("Gesprächsform").select_option(label="Telefon")
    page.get_by_label("mit Dolmetschung").check()
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_have_text(
        f"Gespeichert: Beratungsgespräch (Version {case['version'] + 1})."
    )
    [request] = posted
    assert request.headers["if-match"] == f'"{case["version"]}"'
    assert request.headers["idempotency-key"].startswith("dashboard-")
    last = demo.api("counsellor", f"/cases/{case['id']}/history")["events"][-1]
    assert last["version"] == case["version"] + 1
    assert last["type"] == "counselling_session_held"
    assert last["date"] == local_today().isoformat()
    assert {key: last["data"][key] for key in ("minutes", "topics", "mode", "interpreter", "language")} == {
        "minutes": 50,
        "topics": ["Anerkennung des Abschlusses", "Sprachkurs B2"],
        "mode": "phone",
        "interpreter": True,
        "language": "de",
    }
    newest = page.locator("#timeline > li").last
    assert newest.get_attribute("data-version") == str(case["version"] + 1)
    expect(newest.locator(".title strong")).to_have_text("Beratungsgespräch")
    expect(newest).to_contain_text("Anerkennung des Abschlusses, Sprachkurs B2")
    expect(newest).to_contain_text("Telefon")
    tab.screenshot("schritt-erfasst", readme=True)


def test_a_refused_step_shows_each_rule_in_german_next_to_its_field_and_records_nothing(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo)
    tab.expect_console_error("status of 422")
    tab.expect_console_error("status of 409")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    page.get_by_label("Art des Schritts").select_option("recognition_applied")
    page.get_by_role("button", name="Schritt speichern").click()
    form = page.locator("#step-form")
    application = form.locator("[data-path=application_id]")
    expect(application.locator(".field-error")).to_have_text(
        "Pflichtangabe fehlt: Kennung des Antrags (application_id)"
    )
    expect(form.locator("[data-path=responsible_body] .field-error")).to_have_text(
        "Pflichtangabe fehlt: Zuständige Stelle (responsible_body)"
    )
    expect(form.locator("[data-path=reference_occupation] .field-error")).to_contain_text("Pflichtangabe fehlt")
    assert application.locator("input").get_attribute("aria-invalid") == "true"
    expect(page.locator("#step-summary [role=alert]")).to_contain_text("Nicht gespeichert")

    tomorrow = local_today() + timedelta(days=1)
    page.get_by_label("Art des Schritts").select_option("counselling_session_held")
    page.get_by_label("Datum *").fill(tomorrow.isoformat())
    page.get_by_label("Minuten *").fill("30")
    page.get_by_role("button", name="Schritt speichern").click()
    expect(form.locator("[data-path=date] .field-error")).to_have_text(
        f"Das Datum {tomorrow:%d.%m.%Y} liegt in der Zukunft (heute ist der {local_today():%d.%m.%Y})."
    )
    tab.screenshot("schritt-abgelehnt", readme=True)
    assert demo.api("counsellor", f"/cases/{case['id']}")["version"] == case["version"]


def test_a_step_on_a_case_changed_meanwhile_is_refused_and_the_case_can_be_reloaded(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo)
    tab.expect_console_error("status of 412")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page
    changed = record_by_api(demo, case, {"type": "counselling_session_held", "date": case["opened_on"], "minutes": 15})

    page.get_by_label("Minuten *").fill("20")
    page.get_by_role("button", name="Schritt speichern").click()
    expect(page.locator("#step-summary [role=alert]")).to_contain_text("inzwischen geändert")
    assert demo.api("counsellor", f"/cases/{case['id']}")["version"] == changed["version"]

    page.get_by_role("button", name="Fall neu laden").click()
    expect(page.locator("#case-state h3")).to_have_text(f"Aktueller Stand (Version {changed['version']})")


def test_every_step_type_gets_a_form_in_german_from_the_api_schema(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo)
    schema = httpx.get(f"{demo.base}/schema/openapi.json", timeout=30).json()
    union = schema["paths"]["/cases/{case_id}/steps"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    step_types = [schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]] for ref in union["oneOf"]]
    tab.sign_in("lead")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page
    chooser = page.get_by_label("Art des Schritts")

    offered = chooser.locator("option").evaluate_all("(options) => options.map((o) => [o.value, o.textContent])")
    assert [value for value, _ in offered] == [step["properties"]["type"]["const"] for step in step_types]
    for value, text in offered:
        assert not SNAKE_CASE.match(text), f"{value} is offered as {text!r}"
        chooser.select_option(value)
        labels = page.locator("#step-fields label, #step-fields legend").all_inner_texts()
        raw = [text for text in labels if SNAKE_CASE.match(text)]
        assert raw == [], f"{value}: fields without German words {raw}"
        options = page.locator("#step-fields option").all_inner_texts()
        assert [text for text in options if SNAKE_CASE.match(text)] == [], value
        assert tab.unlabelled_controls() == [], value
        fields = {name for name in _field_names(schema, value, step_types) if name != "type"}
        shown = set(page.locator("#step-fields [data-path]").evaluate_all("(all) => all.map((f) => f.dataset.path)"))
        assert fields <= shown, f"{value}: no control for {fields - shown}"


def test_a_plan_of_two_items_is_agreed_through_the_repeated_group(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo, counsellor="ayse")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page
    target = (local_today() + timedelta(days=60)).isoformat()

    page.get_by_label("Art des Schritts").select_option("plan_agreed")
    page.get_by_role("button", name="Planschritt hinzufügen").click()
    entries = page.locator("#step-fields fieldset.entry")
    expect(entries).to_have_count(2)
    for index, (item_id, kind, text) in enumerate(
        [("p1", "Sprachkurs", "B2-Kurs finden"), ("p2", "Anerkennung", "Antrag stellen")]
    ):
        entry = entries.nth(index)
        expect(entry.locator("legend")).to_have_text(f"Planschritt {index + 1}")
        entry.get_by_label("Kennung des Planschritts *").fill(item_id)
        entry.get_by_label("Art *").select_option(label=kind)
        entry.get_by_label("Beschreibung *").fill(text)
        entry.get_by_label("Zieldatum *").fill(target)
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_contain_text("Gespeichert: Qualifizierungsplan vereinbart")
    assert [row[:3] for row in table_rows(page, "#plan-table")] == [
        ["p1", "Sprachkurs", "B2-Kurs finden"],
        ["p2", "Anerkennung", "Antrag stellen"],
    ]


def test_an_enrolment_names_its_offer_from_the_catalogue_offered_by_title(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo, counsellor="ayse")
    catalogue = demo.all_pages("counsellor", "/offers")
    assert catalogue
    offer = catalogue[0]
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    page.get_by_label("Art des Schritts").select_option("course_enrolled")
    offer_field = page.locator("#step-fields [data-path=offer_id] input")
    offered = offer_field.evaluate("(input) => [...input.list.options].map((option) => [option.value, option.label])")
    assert [value for value, _ in offered] == [item["id"] for item in catalogue]
    assert offered[0][1].startswith(f"{offer['title']} · {offer['provider']} · ab ")
    course_id = f"kurs-{secrets.token_hex(3)}"
    fields = page.locator("#step-fields")
    fields.get_by_label("Kurs-Kennung *").fill(course_id)
    fields.get_by_label("Art *").select_option(offer["kind"])
    fields.get_by_label("Anbieter *").fill(offer["provider"])
    fields.get_by_label("Förderung *").select_option(index=1)
    offer_field.fill(offer["id"])
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_contain_text("Gespeichert: Kurs begonnen")
    [course] = [
        item for item in demo.api("counsellor", f"/cases/{case['id']}")["courses"] if item["course_id"] == course_id
    ]
    assert course["offer_id"] == offer["id"]


def test_a_correction_of_the_profile_clears_one_field_and_leaves_the_others_as_they_were(tab: Tab) -> None:
    demo = tab.demo
    case = next(
        case
        for item in demo.all_pages("counsellor", "/cases", counsellor="ayse", status="open")
        if (case := demo.api("counsellor", f"/cases/{item['id']}"))["profile"]["target_occupation"]
    )
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    page.get_by_label("Art des Schritts").select_option("profile_corrected")
    fields = page.locator("#step-fields")
    gender = fields.get_by_label("Geschlecht")
    expect(gender.locator("option:checked")).to_have_text("– unverändert –")
    occupation = fields.locator("[data-path='profile.target_occupation']")
    occupation.get_by_label("Zielberuf löschen").check()
    expect(occupation.get_by_label("Zielberuf", exact=True)).to_be_disabled()
    fields.get_by_label("Deutschkenntnisse").select_option(label="B2")
    tab.screenshot("profil-berichtigen")
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_contain_text("Gespeichert: Profil berichtigt")
    after = demo.api("counsellor", f"/cases/{case['id']}")["profile"]
    assert (after["target_occupation"], after["german_level"]) == (None, "B2")
    assert {key: value for key, value in after.items() if key not in ("target_occupation", "german_level")} == {
        key: value for key, value in case["profile"].items() if key not in ("target_occupation", "german_level")
    }


def test_a_yes_or_no_that_must_be_answered_is_asked_not_preset(tab: Tab) -> None:
    case = open_case_of(tab.demo)
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    page.get_by_label("Art des Schritts").select_option("case_closed")
    for word in ("arbeitsuchend", "in Bildung oder Ausbildung", "Qualifikation erworben", "erwerbstätig"):
        answer = page.locator("#step-fields").get_by_label(f"{word} *", exact=True)
        assert answer.evaluate("(select) => select.tagName") == "SELECT"
        expect(answer.locator("option:checked")).to_have_text("– bitte wählen –")
        assert answer.get_attribute("aria-required") == "true"


def test_a_step_whose_answer_was_lost_is_sent_again_unchanged_and_recorded_once(tab: Tab) -> None:
    demo = tab.demo
    case = open_case_of(demo)
    tab.expect_console_error("net::ERR_FAILED")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page
    sent: list[tuple[str, str]] = []

    def deliver_but_lose_the_answer(route: Route) -> None:
        sent.append((route.request.headers["idempotency-key"], route.request.headers["if-match"]))
        assert route.fetch().status == 201  # the server records the step …
        route.abort("failed")  # … and its answer never reaches the page

    page.route("**/cases/*/steps", deliver_but_lose_the_answer)
    page.get_by_label("Minuten *").fill("25")
    page.get_by_role("button", name="Schritt speichern").click()
    expect(page.locator("#step-summary [role=alert]")).to_contain_text("Ob gespeichert wurde, ist unklar")
    assert demo.api("counsellor", f"/cases/{case['id']}")["version"] == case["version"] + 1
    page.unroute("**/cases/*/steps")

    def deliver(route: Route) -> None:
        sent.append((route.request.headers["idempotency-key"], route.request.headers["if-match"]))
        route.continue_()

    page.route("**/cases/*/steps", deliver)
    page.get_by_role("button", name="Schritt speichern").click()
    expect(page.locator("#step-notice")).to_contain_text("Gespeichert: Beratungsgespräch")
    assert len(sent) == 2
    assert sent[0] == sent[1]  # the same key, based on the same version
    events = demo.api("counsellor", f"/cases/{case['id']}/history")["events"]
    assert [event["version"] for event in events][-1] == case["version"] + 1


def test_a_step_edited_after_its_answer_was_lost_is_not_recorded_a_second_time(tab: Tab) -> None:
    """After an unclear answer the key stays, edited or not: the edited request is refused for the key the first one
    recorded, and the page says that the first one was saved, with its own entries."""
    demo = tab.demo
    case = open_case_of(demo)
    tab.expect_console_error("net::ERR_FAILED")
    tab.expect_console_error("status of 422")
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    def deliver_but_lose_the_answer(route: Route) -> None:
        assert route.fetch().status == 201
        route.abort("failed")

    page.route("**/cases/*/steps", deliver_but_lose_the_answer)
    page.get_by_label("Minuten *").fill("40")
    page.get_by_role("button", name="Schritt speichern").click()
    expect(page.locator("#step-summary [role=alert]")).to_contain_text("Ob gespeichert wurde, ist unklar")
    page.unroute("**/cases/*/steps")

    page.get_by_label("Minuten *").fill("45")  # she corrects it before sending again
    page.get_by_role("button", name="Schritt speichern").click()

    expect(page.locator("#step-notice")).to_contain_text("Gespeichert wurde schon das erste Senden")
    events = demo.api("counsellor", f"/cases/{case['id']}/history")["events"]
    assert [event["version"] for event in events][-1] == case["version"] + 1
    assert events[-1]["data"]["minutes"] == 40


def test_a_new_client_is_opened_from_the_first_contact_form(tab: Tab) -> None:
    tab.sign_in("counsellor")
    tab.open("#/fallverlauf")
    page = tab.page
    page.get_by_text("Formular für den Erstkontakt öffnen").click()
    form = page.locator("#first-contact-form")

    form.get_by_label("Zugangsweg *").select_option(label="Telefon")
    form.get_by_label("Vermittelt durch *").select_option(label="Jobcenter")
    form.get_by_label("Geschlecht *").select_option(label="weiblich")
    form.get_by_label("Erwerbsstatus *").select_option(label="arbeitslos")
    form.get_by_label("Bildungsniveau (ISCED 0–8) *").fill("4")
    form.get_by_label("ausländische Herkunft *").select_option(label="ja")
    form.get_by_label("drittstaatsangehörig *").select_option(label="nein")
    # A birth date of its own on each run: a rerun against the same demo finds no earlier Mira Sokolova.
    birth_date = (date(1960, 1, 1) + timedelta(days=secrets.randbelow(365 * 40))).isoformat()
    form.get_by_label("Geburtsdatum").first.fill(birth_date)
    form.get_by_label("Name").fill("Mira Sokolova")
    tab.screenshot("erstkontakt")
    form.get_by_role("button", name="Fall anlegen").click()

    expect(page.locator("#page h1")).to_have_text("Fall: Mira Sokolova")
    case_id = page.url.rsplit("/", 1)[-1]
    case = tab.demo.api("counsellor", f"/cases/{case_id}")
    assert case["counsellor"] == "ayse"
    assert (case["channel"], case["referral_source"]) == ("phone", "jobcenter")
    assert (case["profile"]["gender"], case["profile"]["isced"]) == ("female", 4)
    assert (case["personal"]["name"], case["personal"]["birth_date"]) == ("Mira Sokolova", birth_date)
    assert (case["profile"]["foreign_background"], case["profile"]["third_country_national"]) == (True, False)


def test_the_case_page_shows_everything_the_case_holds(tab: Tab) -> None:
    demo = tab.demo
    cases = demo.all_pages("counsellor", "/cases", counsellor="ayse")
    full = [demo.api("counsellor", f"/cases/{item['id']}") for item in cases[:60]]
    case = max(
        full,
        key=lambda item: sum(
            len(item[part])
            for part in ("applications", "courses", "exams", "qualifications", "referrals", "assessments")
        ),
    )
    tab.sign_in("counsellor")
    tab.open(f"#/fallverlauf/{case['id']}")
    page = tab.page

    for part, table_id in [
        ("qualifications", "#qualifications-table"),
        ("assessments", "#assessments-table"),
        ("applications", "#applications-table"),
        ("courses", "#courses-table"),
        ("exams", "#exams-table"),
        ("referrals", "#referrals-table"),
        ("deadlines", "#deadlines-table"),
    ]:
        assert len(table_rows(page, table_id)) == len(case[part]), part
    personal = page.locator("#personal")
    expect(personal).to_contain_text(case["personal"]["name"])
    sections = page.locator("nav.contents a").all_inner_texts()
    for heading in (
        "Person",
        "Profil",
        "Abschlüsse",
        "Anerkennungsanträge",
        "Kurse",
        "Prüfungen",
        "Weiterleitungen",
        "Qualifizierungsplan",
        "Fristen",
        "Verlauf",
        "Schritt erfassen",
    ):
        assert heading in sections
    tab.screenshot("fall", readme=True)


def _field_names(schema: dict[str, Any], step_type: str, step_types: list[dict[str, Any]]) -> list[str]:
    [step] = [step for step in step_types if step["properties"]["type"]["const"] == step_type]
    return list(step["properties"])
