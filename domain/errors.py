"""Domain errors: each names the rule it enforces, so a client can tell which one refused its step."""


class DomainError(Exception):
    """A command the case cannot accept.

    `detail` explains it in English; `facts` are the values it names (ids, dates, numbers), so the API can explain the
    same refusal in another language (api/messages_de.py words each rule with these facts).
    """

    def __init__(self, rule: str, detail: str, field: str | None = None, **facts: object) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail
        self.field = field
        self.facts = facts


class RuleViolated(DomainError):
    """The step conflicts with the case as it stands (a closed case, an unknown application, …)."""


class InvalidStep(DomainError):
    """A value of the step breaks a rule of its own (a date in the future, a result that fits no route, …)."""
