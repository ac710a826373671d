"""Every exception tanbih raises, in one tree.

::

    TanbihError (Exception)
    ├── CapError (ValueError)             a CAP message failed parsing or validation
    │   └── CapVersionError               CAP 1.0/1.1, or a document that is not CAP at all
    ├── CoalitionError (ValueError)       the coalition file is missing or invalid
    ├── ConfigurationError (ValueError)   the node's own settings or channel file are invalid
    ├── ScenarioError (ValueError)        an exercise scenario file is missing or invalid
    ├── StoreError (RuntimeError)         the store failed; the caller's write did not happen
    │   └── StoreConflictError            a unique fact (sender + identifier) already stored
    ├── BusError (RuntimeError)           the message bus failed; a publish did not happen
    │   └── BusPermissionError            the bus refused this node's credentials an act
    ├── AccessDeniedError (PermissionError)    a caller lacks a valid token or the role for an act
    └── WithheldError (PermissionError)   the sharing matrix gives a partner nothing of a message

Non-error outcomes (a duplicate message, a refused lifecycle transition) are return values from
the domain, not exceptions. Adapters translate third-party exceptions into these
(``raise StoreError(...) from exc``); only the API maps them to HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where (element or path, line if known) and what."""

    where: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        at = f" (line {self.line})" if self.line is not None else ""
        return f"{self.where}{at}: {self.message}"


class TanbihError(Exception):
    """Base of every tanbih exception."""


class _ProblemsError(TanbihError):
    """An input with one or more problems, each naming where it is."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__(prefix + "; ".join(str(p) for p in self.problems))


class CapError(_ProblemsError, ValueError):
    """A CAP message failed parsing or validation."""


class CapVersionError(CapError):
    """A CAP 1.0/1.1 message, or a document that is not CAP at all."""


class CoalitionError(_ProblemsError, ValueError):
    """The coalition file is missing or invalid; problems name the path inside the file."""


class ConfigurationError(_ProblemsError, ValueError):
    """The node's own settings or channel file are invalid; problems name the setting."""


class StoreError(TanbihError, RuntimeError):
    """The store failed; the write the caller asked for did not happen."""


class StoreConflictError(StoreError):
    """A fact that must be unique (a message's sender + identifier) is already stored."""


class BusError(TanbihError, RuntimeError):
    """The message bus failed (unreachable, refused, timed out); a publish did not happen."""


class BusPermissionError(BusError):
    """The bus refused this node's credentials a publish, a subscription or a stream change."""


class AccessDeniedError(TanbihError, PermissionError):
    """The caller has no valid token, or its role does not allow the act."""


class ScenarioError(_ProblemsError, ValueError):
    """An exercise scenario file is missing or invalid; problems name the path and line."""


class WithheldError(TanbihError, PermissionError):
    """The sharing matrix gives a partner ``none`` for a message: it may receive nothing of it."""
