"""Every rule and every problem type has its German text, and every text names only facts its refusals give.

The rules are read from the source, where they are raised (domain/, application/, infrastructure/, api/), so a rule
added later fails here until api/messages_de.py words it. So do problem types, the points a date must not precede,
and the English messages of refused query parameters and of problems that name no rule.
"""

import ast
import importlib
import pkgutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

import api.problems
from api import messages_de
from api.language import german_message, german_rule
from application.errors import CaseNotFound, VersionNotFound, ViewLagging
from application.reporting import PositionNotReached
from domain.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application", "infrastructure", "api")


@dataclass(frozen=True)
class Refusal:
    """One place in the source that refuses with a rule, and the facts it names."""

    rule: str
    facts: frozenset[str]
    where: str


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _domain_error_names() -> set[str]:
    """DomainError and every subclass of it, wherever defined (modules are imported so that each is known)."""
    for layer in ("domain", "application"):
        package = importlib.import_module(layer)
        for module in pkgutil.walk_packages(package.__path__, f"{layer}."):
            importlib.import_module(module.name)
    found, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return next((given.value for given in call.keywords if given.arg == keyword), None)


class _Values:
    """The string values an expression of a module can take: constants, f-strings over the parameters of the
    function they are in (resolved at every call of that function in the module and in the modules that import it),
    and names bound to those."""

    def __init__(self, module: ast.Module, calls_from_importers: list[ast.Call]) -> None:
        self.functions = {node.name: node for node in ast.walk(module) if isinstance(node, ast.FunctionDef)}
        self.calls = [node for node in ast.walk(module) if isinstance(node, ast.Call)] + calls_from_importers
        self.parents = {child: parent for parent in ast.walk(module) for child in ast.iter_child_nodes(parent)}

    def of(self, node: ast.expr | None, depth: int = 0) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.JoinedStr) and depth < 5:
            results = {""}
            for part in node.values:
                options = self.of(part.value, depth + 1) if isinstance(part, ast.FormattedValue) else self.of(part)
                results = {done + option for done in results for option in options}
            return results
        if isinstance(node, ast.Name) and depth < 5:
            return self._parameter_values(node, depth)
        return set()

    def _parameter_values(self, name: ast.Name, depth: int) -> set[str]:
        function = self.enclosing(name)
        if function is None:
            return set()
        parameters = [argument.arg for argument in function.args.args]
        if name.id not in parameters:
            return set()
        position = parameters.index(name.id)
        calls = [call for call in self.calls if _called(call) == function.name]
        return {value for call in calls for value in self.of(_argument(call, position, name.id), depth + 1)}

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None


def _calls_from_importers(where: str, modules: list[tuple[str, ast.Module]]) -> list[ast.Call]:
    """The calls, in other modules, of the functions those modules import by name from the module at `where`."""
    dotted = where.removesuffix(".py").replace("/", ".")
    calls = []
    for _, module in modules:
        imported = {
            alias.asname or alias.name
            for node in ast.walk(module)
            if isinstance(node, ast.ImportFrom) and node.module == dotted
            for alias in node.names
        }
        calls += [node for node in ast.walk(module) if isinstance(node, ast.Call) and _called(node) in imported]
    return calls


def refusals() -> list[Refusal]:
    """Every rule the service refuses with: raised domain errors, key store reasons, and the API's own rules."""
    raising = _domain_error_names()
    found = []
    modules = list(_modules())
    for where, module in modules:
        values = _Values(module, _calls_from_importers(where, modules))
        for call in (node for node in ast.walk(module) if isinstance(node, ast.Call)):
            called = _called(call)
            if called in raising:
                rule = _argument(call, 0, "rule")
                facts = frozenset(given.arg for given in call.keywords if given.arg not in (None, "rule", "detail"))
            elif called == "KeyStoreError":
                rule, facts = _argument(call, 0, "reason"), frozenset()
            elif called == "problem":
                rule, facts = _argument(call, 4, "rule"), frozenset()
            elif called == "PermissionDenied":  # a refusal by role that a release added names its rule
                rule, facts = _argument(call, 1, "rule"), frozenset()
            else:
                continue
            rules = values.of(rule)
            # An exception's rule passed on (`exc.rule`) is counted where the exception is raised.
            forwarded = rule is None or isinstance(rule, ast.Attribute)
            assert forwarded or rules, f"{where}:{call.lineno}: a rule this test cannot read"
            found += [Refusal(name, facts, f"{where}:{call.lineno}") for name in rules]
    return found


REFUSALS = refusals()
DOMAIN_REFUSALS = [refusal for refusal in REFUSALS if refusal.where.startswith("domain/")]


def test_the_rules_are_found_in_the_source() -> None:
    rules = {refusal.rule for refusal in REFUSALS}
    # The rules named in API.md and the issue, and those built from a step's name.
    expected = {"counsellor_active_in_agency", "exam_attempts_exhausted", "leaving_situation_window"}
    expected |= {"receipt_needs_application", "compensation_needs_application", "if_match_current", "key_mismatch"}
    assert expected <= rules
    assert len(rules) >= 60


def test_every_rule_has_its_german_text() -> None:
    untranslated = sorted({f"{r.rule} ({r.where})" for r in REFUSALS if r.rule not in messages_de.RULES})
    assert not untranslated, f"add them to api/messages_de.py RULES: {untranslated}"


def test_every_german_rule_text_is_of_a_rule_the_service_has() -> None:
    assert not set(messages_de.RULES) - {refusal.rule for refusal in REFUSALS}


@pytest.mark.parametrize("refusal", DOMAIN_REFUSALS, ids=lambda refusal: f"{refusal.rule}@{refusal.where}")
def test_a_rule_text_names_only_facts_its_refusal_gives(refusal: Refusal) -> None:
    named = {field for _, field, _, _ in string.Formatter().parse(messages_de.RULES[refusal.rule]) if field}
    assert named <= refusal.facts, f"{refusal.where} gives {sorted(refusal.facts)}"


def test_facts_appear_as_a_german_reader_expects_them() -> None:
    facts = {"date": date(2026, 2, 3), "reference": date(2026, 2, 5), "what": "the application"}
    assert (
        german_rule("date_not_before_reference", facts)
        == "Das Datum 03.02.2026 liegt vor der Antragstellung am 05.02.2026."
    )
    assert german_rule("counsellor_active_in_agency", {"counsellor": "zoe", "agency": "koeln"}) == (
        "„zoe“ ist keine aktive Beraterin / kein aktiver Berater der Stelle „koeln“."
    )
    assert german_rule("no_such_rule", {}) is None


def test_every_point_a_date_must_not_precede_has_its_german_words() -> None:
    points: set[str] = set()
    modules = list(_modules())
    for where, module in modules:
        values = _Values(module, _calls_from_importers(where, modules))
        for call in (node for node in ast.walk(module) if isinstance(node, ast.Call)):
            if where.startswith("domain/") and _called(call) == "not_before":
                points |= values.of(_argument(call, 2, "what"))
            points |= {v for given in call.keywords if given.arg == "what" for v in values.of(given.value)}
    assert "the exit" in points
    assert not points - set(messages_de.REFERENCE_POINTS)


def problem_types() -> set[str]:
    slugs = {slug for slug, _ in [*api.problems.HTTP_PROBLEMS.values(), api.problems.OTHER_HTTP_PROBLEM]}
    modules = list(_modules())
    for where, module in modules:
        values = _Values(module, _calls_from_importers(where, modules))
        for call in (node for node in ast.walk(module) if isinstance(node, ast.Call)):
            if where.startswith("api/") and _called(call) == "problem":
                enclosing = values.enclosing(call)
                if where == "api/problems.py" and enclosing is not None and enclosing.name == "on_http":
                    continue  # its types are HTTP_PROBLEMS'
                slug = values.of(_argument(call, 1, "slug"))
                assert slug, f"{where}:{call.lineno}: a problem type this test cannot read"
                slugs |= slug
    return slugs


def test_every_problem_type_has_a_german_title_and_detail() -> None:
    slugs = problem_types()
    assert {"invalid-request", "rule-violated", "stale-version", "unauthorized", "internal"} <= slugs
    assert not slugs - set(messages_de.TITLES), "add the title to api/messages_de.py TITLES"
    assert not slugs - set(messages_de.DETAILS), "add the detail to api/messages_de.py DETAILS"
    assert set(messages_de.TITLES) == set(messages_de.DETAILS)


def _sample(node: ast.expr | None) -> set[str]:
    """A message as the service words it, each value it fills in shown as "1"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        return {"".join(part.value if isinstance(part, ast.Constant) else "1" for part in node.values)}
    return set()


MESSAGE_SOURCES = {  # what is called with an English message, and where the message is
    "InvalidQuery": (1, "message"),
    "query_error": (1, "message"),
    "PermissionDenied": (0, "message"),
    "NotAuthorizedException": (0, "detail"),
    "TooManyRequestsException": (0, "detail"),
    "_refuse": (2, "detail"),  # api/auth.py: a refused token's 401
}


def english_messages() -> list[tuple[str, str]]:
    found = []
    for where, module in _modules():
        for call in (node for node in ast.walk(module) if isinstance(node, ast.Call)):
            if (source := MESSAGE_SOURCES.get(_called(call) or "")) is not None:
                found += [(message, f"{where}:{call.lineno}") for message in _sample(_argument(call, *source))]
    found += [
        (str(error), type(error).__name__)
        for error in (CaseNotFound(uuid4()), VersionNotFound(uuid4(), 9, 3), ViewLagging(7), PositionNotReached(9, 3))
    ]
    return found


def test_the_english_messages_are_found_in_the_source() -> None:
    found = {message for message, _ in english_messages()}
    assert "the period ends before it starts" in found
    assert "the bearer token is invalid, expired or revoked" in found
    assert len(found) >= 15


@pytest.mark.parametrize(("message", "where"), english_messages())
def test_every_english_message_of_a_refusal_has_its_german_wording(message: str, where: str) -> None:
    assert german_message(message) is not None, f"{where}: add a pattern for {message!r} to api/messages_de.py MESSAGES"
