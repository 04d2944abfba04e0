"""Values kept forever inside events and snapshots: the profile, personal data, consent, the situation on leaving, the
items of a qualification plan.

These are not the API's request types (domain/steps.py). They carry no request limits and ignore fields they do not
know, so that tightening what the API accepts, or a later release adding a field, never makes stored history
unreadable. Only the value vocabularies (domain/vocabulary.py) are shared with the requests.
"""

from datetime import date

import msgspec
from msgspec import UNSET, UnsetType

from domain.vocabulary import Gender, GermanLevel, LabourStatus, PlanItemKind, YesNoUnknown


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable stored data, decoded leniently (unknown fields are ignored)."""


class Profile(Record, frozen=True):
    """The pseudonymous statistical profile, kept in clear for the funder's indicators."""

    birth_year: int
    gender: Gender
    labour_status: LabourStatus
    isced: int
    foreign_background: bool
    third_country_national: bool
    disability: YesNoUnknown = "unknown"
    minority: YesNoUnknown = "unknown"
    homeless: bool = False
    rural: bool = False
    qualification_country: str | None = None
    target_occupation: str | None = None
    german_level: GermanLevel = "unknown"  # 0.1 did not record it
    arrival_year: int | None = None
    target_kldb: str | None = None  # 0.2: the target occupation's KldB 2010 code (matching the course catalogue)


class ProfileChanges(Record, frozen=True):
    """The attributes a correction changed; the others stayed as they were (absent when stored)."""

    birth_year: int | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    labour_status: LabourStatus | UnsetType = UNSET
    isced: int | UnsetType = UNSET
    foreign_background: bool | UnsetType = UNSET
    third_country_national: bool | UnsetType = UNSET
    disability: YesNoUnknown | UnsetType = UNSET
    minority: YesNoUnknown | UnsetType = UNSET
    homeless: bool | UnsetType = UNSET
    rural: bool | UnsetType = UNSET
    qualification_country: str | UnsetType | None = UNSET
    target_occupation: str | UnsetType | None = UNSET
    german_level: GermanLevel | UnsetType = UNSET
    arrival_year: int | UnsetType | None = UNSET
    target_kldb: str | UnsetType | None = UNSET

    def changed(self) -> dict[str, object]:
        return {name: value for name in self.__struct_fields__ if (value := getattr(self, name)) is not UNSET}


class PersonalData(Record, frozen=True):
    """Identifying data of the client: stored sealed, erasable."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    birth_date: date | None = None  # 0.1 recorded the birth year only (in the profile)


class Consent(Record, frozen=True):
    special_categories: bool = False


class Situation(Record, frozen=True):
    """The client's situation on leaving (ESF+ result indicators EECR01–EECR04)."""

    job_searching: bool
    in_education_or_training: bool
    qualification_gained: bool
    employed: bool
    self_employed: bool = False  # counts as employed (EECR04)

    @property
    def in_employment(self) -> bool:
        return self.employed or self.self_employed


class PlanItem(Record, frozen=True):
    """An item of a qualification plan as agreed; `description` is personal data (None once erased or not opened)."""

    item_id: str
    kind: PlanItemKind
    target_date: date
    description: str | None = None
    offer_id: str | None = None
