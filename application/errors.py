"""Errors of the application layer, in the service's words rather than the library's."""

from uuid import UUID

from eventsourcing.persistence import IntegrityError


class CaseNotFound(LookupError):
    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"case {case_id} not found")
        self.case_id = case_id


class StaleVersion(Exception):
    """The writer's view of the case (If-Match) is older than the case."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"the case is at version {actual}, not {expected}")
        self.expected = expected
        self.actual = actual


class ConcurrentUpdate(Exception):
    """Another writer recorded a step on the case at the same moment; retry with a fresh read."""

    def __init__(self, case_id: UUID, version: int) -> None:
        super().__init__(f"case {case_id}: version {version} was written concurrently")
        self.case_id = case_id
        self.version = version


class SamePersonRecordedMeanwhile(IntegrityError):
    """While a first contact was decided, another case of the same person was recorded (by another process).

    Raised inside the recording transaction, which it rolls back; an IntegrityError, so a group commit refuses only
    this write. The case service decides the first contact again, with the other case in view.
    """

    def __init__(self, case_id: object) -> None:
        super().__init__(f"case {case_id}: another case of the same person was recorded at the same moment")
        self.case_id = case_id


class VersionNotFound(LookupError):
    def __init__(self, case_id: UUID, version: int, latest: int) -> None:
        super().__init__(f"case {case_id} has no version {version} (it is at version {latest})")
        self.case_id = case_id
        self.version = version
        self.latest = latest


class IdempotencyKeyReused(Exception):
    """A retry key came back with a different request than the one it first came with."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key '{key}' was used for a different request")
        self.key = key


class ViewLagging(Exception):
    """The projection views have not reached the position a reader asked for within the wait."""

    def __init__(self, position: int) -> None:
        super().__init__(f"the views have not reached position {position} yet; retry shortly")
        self.position = position


class KeyStoreError(Exception):
    """A client's personal data cannot be opened: the master key is wrong, the key store is lost, or it holds no key
    for the case. Never answered with garbage: the operator sets the right master key or restores the key store.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # wrong_master_key | key_store_lost | key_missing | key_mismatch
        self.detail = detail


class PermissionDenied(Exception):
    """The caller's role may not do this (the use case decides; the API answers 403); `rule` names the rule where a
    release refuses what an earlier one allowed."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


class InvalidQuery(ValueError):
    """A query parameter that no answer can be given for; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class EntryNotFound(LookupError):
    """No entry of that register with that id (or not one of the reader's agency: answered alike)."""

    def __init__(self, register: str, entry_id: UUID) -> None:
        super().__init__(f"{register} {entry_id} not found")
        self.register = register
        self.entry_id = entry_id
