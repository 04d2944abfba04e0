"""Loads a large synthetic caseload into PostgreSQL fast, without cutting a corner the product relies on.

The journeys are `lotse demo`'s (application/synthetic.py); every step is decided by the domain's own rules; the
events are mapped by the product's mapper (personal data sealed under a fresh data key per client) and recorded by
the product's recorder (`commit_batch`: case index, data keys and hash-chain links in the events' transaction).
Only the HTTP round trip and the one-transaction-per-step are skipped: a few hundred cases share a transaction.
"""

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.cases import summary_of
from application.synthetic import AGENCIES, journeys, register_staff
from domain import decisions
from domain import steps as s
from domain.errors import DomainError
from domain.evolution import evolve
from infrastructure.bootstrap import Lotse
from infrastructure.eventstore.group_commit import Write
from infrastructure.eventstore.mapper import MsgspecMapper
from infrastructure.eventstore.recorders import PostgresCaseRecorder
from infrastructure.privacy.keys import KeyVault

CASES_PER_TRANSACTION = 250
# `lotse demo`'s journeys hold the milestones and a first session; a real journey has follow-up sessions between
# them too. About 1.4 sessions before each milestone give the ~20 events per case of the benchmark's target scale.
SESSIONS_BEFORE_A_MILESTONE = (1, 1, 1, 2, 2)


@dataclass
class Loaded:
    cases: int = 0
    events: int = 0
    seconds: float = 0.0


class _KeysOfThisBatch:
    """The vault's fresh keys, remembered until the batch that writes them is committed."""

    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault
        self.ciphers: dict[UUID, AESGCM] = {}

    def new_key(self, case_id: UUID) -> tuple[AESGCM, str]:
        cipher, wrapped = self.vault.new_key(case_id)
        self.ciphers[case_id] = cipher
        return cipher, wrapped

    def cipher_for(self, case_id: UUID) -> AESGCM | None:
        return self.ciphers[case_id]


def load_caseload(lotse: Lotse, cases: int, seed: int, progress: Callable[[Loaded], None] | None = None) -> Loaded:
    """Records `cases` synthetic journeys; answers how many cases and events it wrote."""
    recorder = lotse.cases.recorder
    assert isinstance(recorder, PostgresCaseRecorder), "bulk loading is for PostgreSQL"
    register_staff(lotse.staff)
    keys = _KeysOfThisBatch(lotse.key_vault)
    mapper = MsgspecMapper(keys=keys)
    loaded, started, writes = Loaded(), time.perf_counter(), []
    rng = random.Random(seed)
    today, now = lotse.cases.today(), datetime.now().astimezone()
    for journey in journeys(cases, seed, today):
        lead = AGENCIES[journey.agency]["lead"][0]
        opening = decisions.open_case(
            uuid4(), journey.agency, journey.opening, _context(journey.counsellor, now, today)
        )
        case, events = evolve(None, opening), [opening]
        for step in _with_sessions(journey.steps, rng):
            author = lead if isinstance(step, s.CounsellorAssigned) else journey.counsellor
            try:
                event = decisions.record_step(case, step, _context(author, now, today))
            except DomainError:
                continue
            case = evolve(case, event)
            events.append(event)
        writes.append(Write([mapper.to_stored_event(event) for event in events], {"case_summary": summary_of(case)}))
        loaded.cases += 1
        loaded.events += len(events)
        if len(writes) == CASES_PER_TRANSACTION:
            recorder.commit_batch(writes)
            writes, keys.ciphers = [], {}
            if progress is not None:
                loaded.seconds = time.perf_counter() - started
                progress(loaded)
    if writes:
        recorder.commit_batch(writes)
    loaded.seconds = time.perf_counter() - started
    return loaded


def _with_sessions(milestones: list[s.StepCommand], rng: random.Random) -> Iterator[s.StepCommand]:
    for milestone in milestones:
        for _ in range(rng.choice(SESSIONS_BEFORE_A_MILESTONE)):
            yield s.CounsellingSessionHeld(
                date=milestone.date, minutes=rng.choice((30, 45, 60)), topics=("Folgeberatung",)
            )
        yield milestone


def _context(author: str, now: datetime, today: date) -> decisions.Context:
    """As the service would decide: `today` is the service's, in its time zone, as the journeys were dated."""
    return decisions.Context(
        recorded_by=author,
        at=now,
        today=today,
        is_active_counsellor=lambda agency, name: True,
        is_offer_of_agency=lambda offer_id, agency: True,  # the synthetic journeys name no offer
    )
