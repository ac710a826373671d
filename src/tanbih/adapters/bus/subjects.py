"""Subject filters as NATS reads them: ``*`` is one part, a final ``>`` one or more."""

from __future__ import annotations

ONE = "*"
REST = ">"


def matches(subject_filter: str, subject: str) -> bool:
    """Whether ``subject`` (no wildcards) is one of those ``subject_filter`` names."""
    wanted = subject_filter.split(".")
    parts = subject.split(".")
    for i, part in enumerate(wanted):
        if part == REST:
            return len(parts) > i
        if i >= len(parts) or part not in (ONE, parts[i]):
            return False
    return len(parts) == len(wanted)


def covers(pattern: str, subject_filter: str) -> bool:
    """Whether every subject ``subject_filter`` names is one ``pattern`` names too."""
    wanted = pattern.split(".")
    parts = subject_filter.split(".")
    for i, part in enumerate(wanted):
        if part == REST:
            return len(parts) > i
        if i >= len(parts) or parts[i] == REST:
            return False
        if part != ONE and (part != parts[i] or parts[i] == ONE):
            return False
    return len(parts) == len(wanted)
