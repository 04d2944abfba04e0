"""Which offers of the catalogue fit a case where it stands, why, and how near they are.

An offer fits a case when all of these hold:

- **the kind fits where the case stands** (`fitting_kinds`): an adaptation qualification (or adaptation course) while
  a recognition decision names it as the compensation measure and no final decision followed; exam preparation while
  the case is on the external exam route (the latest completed assessment recommends it, or an exam admission on that
  route was applied for) and no external exam was passed; partial-qualification modules on that pathway (the latest
  assessment recommends it, or a module was taken); retraining when the latest assessment recommends it; a language
  course while German is below B1 (none, A1, A2). A closed case needs nothing.
- **an occupation of the offer is the case's target occupation** (`occupation_fit`): the same KldB code, when both
  name one; or the normalised words of one title are all words of the other (each set not empty), so "Kaufmann im
  Einzelhandel" fits "Kaufmann/Kauffrau im Einzelhandel" both ways and "Elektroniker/-in" fits "Elektronikerin für
  Betriebstechnik". A language course that names no occupation is open to every occupation.
- it **starts after today** and is **not withdrawn**.

The words are normalised by the application (application/occupations.py); the domain compares the sets.

Fitting offers are ordered by their distance from a postal code (`postal_distance`), then by start, then by id.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.case import Case
from domain.offers import Offer
from domain.vocabulary import CourseKind

GERMAN_BELOW_B1 = ("none", "A1", "A2")
COMPENSATING_KINDS: tuple[CourseKind, ...] = ("adaptation_qualification", "adaptation_course")
OccupationMatch = Literal["kldb", "occupation_words", "any_occupation"]


@dataclass(frozen=True)
class KindFit:
    """Why the case needs an offer of this kind now: a code that stays, and the reason in the counsellor's words."""

    kind: CourseKind
    code: str
    text: str


@dataclass(frozen=True)
class OccupationFit:
    how: OccupationMatch
    occupation: str | None  # the offer's occupation that fits (None: a language course for every occupation)
    text: str


@dataclass(frozen=True)
class Target:
    """The occupation a case aims at, as matching compares it."""

    title: str | None
    words: frozenset[str]
    kldb: str | None = None


@dataclass(frozen=True)
class Listed:
    """An offer with the normalised words of each of its occupations (in its order)."""

    offer: Offer
    occupation_words: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Match:
    offer: Offer
    kind: KindFit
    occupation: OccupationFit
    distance: int | None  # postal_distance from the place asked for; None when no place was given


def fitting_kinds(case: Case) -> dict[CourseKind, KindFit]:
    """The kinds of course the case needs where it stands, each with the first reason found."""
    if case.status == "closed":
        return {}
    recommended = _latest_recommendation(case)
    fits: dict[CourseKind, KindFit] = {}
    for fit in (
        *_compensations(case),
        *_external_exam(case, recommended),
        *_partial_qualifications(case, recommended),
        *_retraining(recommended),
        *_language(case),
    ):
        fits.setdefault(fit.kind, fit)
    return fits


def _compensations(case: Case) -> list[KindFit]:
    """A decision that names an adaptation qualification or course as the compensation, with no final decision yet."""
    fits = []
    for application in case.applications:
        if application.status != "decided" or application.final_decided_on is not None or application.outcome == "full":
            continue
        if application.compensation == "adaptation_qualification":
            fits.append(
                KindFit(
                    "adaptation_qualification",
                    "partial_recognition_names_adaptation_qualification",
                    f"Der Bescheid zum Anerkennungsantrag {application.application_id} verlangt eine"
                    " Anpassungsqualifizierung.",
                )
            )
        elif application.compensation == "adaptation_course":
            fits.append(
                KindFit(
                    "adaptation_course",
                    "recognition_decision_names_adaptation_course",
                    f"Der Bescheid zum Anerkennungsantrag {application.application_id} verlangt einen"
                    " Anpassungslehrgang als Ausgleichsmaßnahme.",
                )
            )
    return fits


def _external_exam(case: Case, recommended: str | None) -> list[KindFit]:
    if any(exam.route == "external_exam" and exam.result == "passed" for exam in case.exams):
        return []
    applied = [exam for exam in case.exams if exam.route == "external_exam"]
    if applied:
        text = f"Die Zulassung zur Externenprüfung ({applied[-1].exam_id}) ist beantragt."
        return [KindFit("exam_preparation", "external_exam_admission", text)]
    if recommended == "external_exam":
        text = "Die Kompetenzfeststellung empfiehlt die Externenprüfung."
        return [KindFit("exam_preparation", "external_exam_recommended", text)]
    return []


def _partial_qualifications(case: Case, recommended: str | None) -> list[KindFit]:
    if recommended == "partial_qualifications":
        text = "Die Kompetenzfeststellung empfiehlt Teilqualifikationen."
        return [KindFit("partial_qualification", "partial_qualifications_recommended", text)]
    if any(course.kind == "partial_qualification" and course.status != "dropped" for course in case.courses):
        text = "Der Weg der Teilqualifikationen ist begonnen (ein Modul ist belegt)."
        return [KindFit("partial_qualification", "partial_qualification_modules_taken", text)]
    return []


def _retraining(recommended: str | None) -> list[KindFit]:
    if recommended == "retraining":
        return [KindFit("retraining", "retraining_recommended", "Die Kompetenzfeststellung empfiehlt eine Umschulung.")]
    return []


def _language(case: Case) -> list[KindFit]:
    level = case.profile.german_level
    if level not in GERMAN_BELOW_B1:
        return []
    shown = "keine" if level == "none" else level
    return [KindFit("language", "german_below_b1", f"Deutschkenntnisse unter B1 (erfasst: {shown}).")]


def occupation_fit(target: Target, listed: Listed) -> OccupationFit | None:
    """How an offer's occupations fit the target occupation, if they do (KldB first, then the words)."""
    offer = listed.offer
    if target.kldb is not None and offer.kldb == target.kldb:
        return OccupationFit(how="kldb", occupation=None, text=f"Gleiche KldB-Berufskennziffer {target.kldb}.")
    for title, words in zip(offer.occupations, listed.occupation_words, strict=True):
        if words and target.words and (words <= target.words or target.words <= words):
            return OccupationFit(
                how="occupation_words",
                occupation=title,
                text=f"Beruf „{title}“ passt zum Zielberuf „{target.title}“.",
            )
    if offer.kind == "language" and not offer.occupations:
        return OccupationFit(how="any_occupation", occupation=None, text="Sprachkurs für alle Berufe.")
    return None


def postal_distance(near: str, offer: Offer) -> int:
    """How far an offer is from a German postal code, in ranks: 0 the same code (or an online course), 1 the same
    first three digits, 2 the same region (two digits, the Leitregion), 3 the same zone (first digit), 4 elsewhere.

    German postal codes are handed out by region, so a shared prefix means nearby; the rank is coarse on purpose
    (no geodata is needed, and it never pretends to a precision it lacks)."""
    if offer.schedule == "online":
        return 0
    shared = 0
    for mine, theirs in zip(near, offer.postal_code, strict=False):
        if mine != theirs:
            break
        shared += 1
    return {5: 0, 4: 1, 3: 1, 2: 2, 1: 3}.get(shared, 4)


DISTANCE_TEXTS = {
    0: "gleiche Postleitzahl",
    1: "gleicher Postleitzahlbereich (erste drei Ziffern)",
    2: "gleiche Leitregion (erste zwei Ziffern)",
    3: "gleiche Leitzone (erste Ziffer)",
    4: "weiter entfernt",
}


def matching_offers(
    kinds: dict[CourseKind, KindFit],
    target: Target,
    offers: Iterable[Listed],
    today: date,
    near: str | None = None,
) -> list[Match]:
    """The offers that fit, nearest first (when `near` names a postal code), then by start, then by id."""
    matches: list[Match] = []
    for listed in offers:
        offer = listed.offer
        kind = kinds.get(offer.kind)
        if kind is None or offer.status != "active" or offer.starts_on <= today:
            continue
        fit = occupation_fit(target, listed)
        if fit is None:
            continue
        distance = postal_distance(near, offer) if near is not None else None
        matches.append(Match(offer=offer, kind=kind, occupation=fit, distance=distance))
    matches.sort(key=lambda match: (match.distance or 0, match.offer.starts_on, str(match.offer.id)))
    return matches


def _latest_recommendation(case: Case) -> str | None:
    completed: Sequence[tuple[date, int, str]] = [
        (assessment.completed_on, index, assessment.recommended_pathway)
        for index, assessment in enumerate(case.assessments)
        if assessment.completed_on is not None and assessment.recommended_pathway is not None
    ]
    return max(completed)[2] if completed else None
