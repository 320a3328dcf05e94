"""Domain errors raised by actions and turned into responses by each front end."""

from dataclasses import dataclass


class Conflict(Exception):
    """A request that is valid but clashes with the state of the data (HTTP 409).

    The message says what blocks the change and what to do instead.
    """

    def __init__(self, message: str, *, code: str = "conflict", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Decision:
    """The policy's answer: allowed or not, with a machine reason and a sentence for people."""

    allowed: bool
    reason: str = ""
    permission: str = ""
    message: str = ""

    def __bool__(self) -> bool:
        return self.allowed


class Denied(Exception):
    """Raised when the policy refuses an action (HTTP 403)."""

    def __init__(self, decision: Decision):
        super().__init__(decision.message)
        self.decision = decision
