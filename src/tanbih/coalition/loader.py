"""The edge: read a coalition file and the zone files beside it from disk."""

from __future__ import annotations

from pathlib import Path

from tanbih.coalition.parse import parse_coalition
from tanbih.coalition.source import DOCUMENT
from tanbih.domain.coalition import Coalition
from tanbih.errors import CoalitionError, Problem


def load_coalition(path: Path) -> Coalition:
    """The coalition declared in ``path``; zone files are named relative to its folder.

    Raises :class:`CoalitionError` (``source`` is the path) naming every problem found.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not found" if isinstance(exc, FileNotFoundError) else str(exc)
        raise CoalitionError(
            [Problem(DOCUMENT, f"cannot read the coalition file: {reason}")], str(path)
        ) from exc
    folder = path.parent
    return parse_coalition(text, lambda name: (folder / name).read_bytes(), source=str(path))
