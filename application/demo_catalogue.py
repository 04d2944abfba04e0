"""A realistic sample course catalogue for `lotse demo`: invented providers around Köln and Düsseldorf (and a few
further away, in Bonn, Leverkusen, Neuss, Duisburg and Dortmund), offering what the demo's clients need for the
occupations of their journeys (application/synthetic.py), dated around the demo's today.

The providers, addresses and web addresses are made up (`.example` domains); the kinds, funding instruments and
course shapes are those a desk meets: exam preparation for the external exam, partial-qualification modules,
adaptation qualifications and courses after a partial recognition, job-related German courses and retraining.
The catalogue is loaded through the same import as a provider's CSV list (application/offer_import.py).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from application.offer_import import ImportReport, Row, import_offers
from application.registers import RegisterService
from application.synthetic import OCCUPATIONS
from domain.offers import OFFERS, Withdrawal

DEMO_IMPORT = "import:demo-katalog"


@dataclass(frozen=True)
class Provider:
    name: str
    postal_code: str
    city: str
    slug: str
    kinds: tuple[str, ...]


PROVIDERS: dict[str, list[Provider]] = {
    "koeln": [
        Provider(
            "Bildungszentrum Rheinufer gGmbH",
            "50667",
            "Köln",
            "rheinufer-bildung",
            ("exam_preparation", "partial_qualification", "retraining"),
        ),
        Provider(
            "Domstadt Akademie für Beruf und Sprache",
            "50672",
            "Köln",
            "domstadt-akademie",
            ("language", "exam_preparation", "adaptation_qualification"),
        ),
        Provider("Sprachhaus Ehrenfeld e. V.", "50823", "Köln", "sprachhaus-ehrenfeld", ("language",)),
        Provider(
            "Handwerksbildung Deutz",
            "50679",
            "Köln",
            "hwb-deutz",
            ("partial_qualification", "adaptation_qualification", "exam_preparation"),
        ),
        Provider(
            "Pflegeschule am Stadtwald", "50935", "Köln", "pflegeschule-stadtwald", ("adaptation_course", "language")
        ),
        Provider(
            "Logistik-Kolleg Porz",
            "51143",
            "Köln",
            "logistik-kolleg-porz",
            ("partial_qualification", "exam_preparation", "retraining"),
        ),
        Provider(
            "Berufsförderwerk Leverkusen-Mitte",
            "51373",
            "Leverkusen",
            "bfw-lev-mitte",
            ("retraining", "partial_qualification"),
        ),
        Provider(
            "Fachseminar Bonn-Beuel",
            "53225",
            "Bonn",
            "fachseminar-beuel",
            ("adaptation_course", "adaptation_qualification"),
        ),
        Provider("Lernwerk Digital", "44135", "Dortmund", "lernwerk-digital", ("exam_preparation", "language")),
    ],
    "duesseldorf": [
        Provider(
            "Rheinbogen Bildungswerk",
            "40213",
            "Düsseldorf",
            "rheinbogen-bildungswerk",
            ("exam_preparation", "partial_qualification", "adaptation_qualification"),
        ),
        Provider("Sprachschule Flingern", "40233", "Düsseldorf", "sprachschule-flingern", ("language",)),
        Provider(
            "Werkhof Oberbilk gGmbH",
            "40227",
            "Düsseldorf",
            "werkhof-oberbilk",
            ("partial_qualification", "retraining", "exam_preparation"),
        ),
        Provider(
            "Pflegebildung Benrath", "40597", "Düsseldorf", "pflegebildung-benrath", ("adaptation_course", "language")
        ),
        Provider(
            "Logistik-Campus Reisholz",
            "40589",
            "Düsseldorf",
            "logistik-campus-reisholz",
            ("partial_qualification", "exam_preparation"),
        ),
        Provider(
            "Quirinus Kolleg Neuss",
            "41460",
            "Neuss",
            "quirinus-kolleg",
            ("adaptation_qualification", "exam_preparation", "retraining"),
        ),
        Provider(
            "Hafenakademie Duisburg", "47051", "Duisburg", "hafenakademie", ("retraining", "partial_qualification")
        ),
        Provider("Lernwerk Digital", "44135", "Dortmund", "lernwerk-digital", ("exam_preparation", "language")),
    ],
}
# Occupations a regulated profession's compensation measure (an adaptation course) exists for.
REGULATED = tuple(title for title, _, regulated in OCCUPATIONS if regulated)
TRADES = tuple(title for title, _, regulated in OCCUPATIONS if not regulated)
FUNDING: dict[str, tuple[tuple[str, ...], ...]] = {
    "exam_preparation": (("education_voucher",), ("education_voucher", "sgb3_82"), ("bildungsscheck", "self")),
    "partial_qualification": (("education_voucher",), ("education_voucher", "qualification_allowance")),
    "adaptation_qualification": (("esf", "education_voucher"), ("esf",), ("qualification_allowance",)),
    "adaptation_course": (("esf",), ("esf", "employer")),
    "language": (("other",), ("esf", "other"), ("self",)),
    "retraining": (("education_voucher",), ("education_voucher", "qualification_allowance")),
}
WEEKS = {
    "exam_preparation": (12, 26),
    "partial_qualification": (8, 16),
    "adaptation_qualification": (10, 30),
    "adaptation_course": (12, 40),
    "language": (12, 24),
    "retraining": (80, 104),
}
TITLES = {
    "exam_preparation": "Vorbereitung auf die Externenprüfung: {}",
    "adaptation_qualification": "Anpassungsqualifizierung {}",
    "adaptation_course": "Anpassungslehrgang {}",
    "retraining": "Umschulung {}",
}
PREFIXES = {
    "exam_preparation": "EP",
    "partial_qualification": "TQ",
    "adaptation_qualification": "AQ",
    "adaptation_course": "AL",
    "language": "DE",
    "retraining": "UM",
}


def catalogue_rows(agency: str, today: date, seed: int = 2026, count: int = 60) -> list[Row]:
    """The agency's sample offers as rows of a provider's list, starting from two months ago to eleven ahead."""
    rng = random.Random(f"{seed}:{agency}")  # noqa: S311 - sample data, not secrecy
    rows: list[Row] = []
    numbers: dict[str, int] = {}
    for index in range(count):
        provider = PROVIDERS[agency][index % len(PROVIDERS[agency])]
        kind = rng.choice(provider.kinds)
        numbers[provider.slug] = numbers.get(provider.slug, 0) + 1
        start = today + timedelta(days=rng.randint(-60, 330))
        start -= timedelta(days=start.weekday())  # courses start on a Monday
        weeks = rng.randint(*WEEKS[kind])
        fields = {
            "provider": provider.name,
            "kind": kind,
            "postal_code": provider.postal_code,
            "city": provider.city,
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(weeks=weeks, days=-3)).isoformat(),
            "schedule": _schedule(rng, kind, provider),
            "language": "de",
            "funding": list(rng.choice(FUNDING[kind])),
            "seats": str(rng.choice([8, 10, 12, 14, 16, 18, 20])),
            "contact": f"kurse@{provider.slug}.example",
            "provider_course_id": f"{PREFIXES[kind]}-{start.year}-{numbers[provider.slug]:03d}",
            **_subject(rng, kind),
        }
        fields["url"] = f"https://www.{provider.slug}.example/kurse/{fields['provider_course_id'].lower()}"
        rows.append(Row(line=index + 2, fields=fields))
    return rows


def load_demo_catalogue(registers: RegisterService, today: date, seed: int = 2026) -> str:
    """Loads every demo agency's sample catalogue (again: records only what changed) and withdraws two offers of
    each once, so the catalogue shows a withdrawal in its history too."""
    lines = []
    for agency in PROVIDERS:
        report = import_offers(registers, agency, catalogue_rows(agency, today, seed), DEMO_IMPORT)
        if report.errors:  # a defect of this module: the sample must pass the import's checks
            raise ValueError("; ".join(str(error) for error in report.errors))
        withdrawn = _withdraw_two(registers, agency, report)
        lines.append(
            f"catalogue {agency}: {report.rows} offers ({len(report.created)} new, {len(report.changed)} changed,"
            f" {withdrawn} withdrawn)"
        )
    return "\n".join(lines)


def _withdraw_two(registers: RegisterService, agency: str, report: ImportReport) -> int:
    for offer_id in report.created[3:5]:
        registers.change(
            OFFERS,
            offer_id,
            Withdrawal("Der Träger hat den Kurs abgesagt (zu wenige Anmeldungen)."),
            agency=agency,
            recorded_by=DEMO_IMPORT,
        )
    return len(report.created[3:5])


def _schedule(rng: random.Random, kind: str, provider: Provider) -> str:
    if provider.city == "Dortmund":
        return "online"  # the one provider from further away teaches online
    if kind == "retraining":
        return "full_time"
    return rng.choices(["full_time", "part_time", "evening"], [3, 4, 2])[0]


def _subject(rng: random.Random, kind: str) -> dict[str, Any]:
    """The title and occupations of an offer of the kind."""
    if kind == "language":
        if rng.random() < 0.5:
            return {"title": f"Berufssprachkurs Deutsch {rng.choice(['A2', 'B1'])}", "occupations": []}
        occupation = rng.choice(REGULATED + TRADES)
        return {"title": f"Deutsch für den Beruf B1/B2: {occupation}", "occupations": [occupation]}
    occupation = rng.choice(REGULATED if kind == "adaptation_course" else TRADES)
    if kind == "partial_qualification":
        modules = rng.choice([5, 6, 8])
        title = f"Teilqualifikation {occupation}, Modul {rng.randint(1, modules)} von {modules}"
    else:
        title = TITLES[kind].format(occupation)
    return {"title": title, "occupations": [occupation]}
