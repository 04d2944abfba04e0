"""Domain errors: each names the rule it enforces, so a client can tell which one refused its step."""


class DomainError(Exception):
    """A command the case cannot accept."""

    def __init__(self, rule: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail
        self.field = field


class RuleViolated(DomainError):
    """The step conflicts with the case as it stands (a closed case, an unknown application, …)."""


class InvalidStep(DomainError):
    """A value of the step breaks a rule of its own (a date in the future, a result that fits no route, …)."""
