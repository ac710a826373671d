"""The coalition file: loading, validating and hashing what it declares.

``load_coalition(path)`` reads a file from disk; ``parse_coalition(text, read_zone_file)`` is the
same without I/O. Both return a :class:`~tanbih.domain.coalition.Coalition` or raise
:class:`~tanbih.errors.CoalitionError` naming every problem by its path inside the file.
The format is described in ``docs/coalition.md``.
"""

from tanbih.coalition.loader import load_coalition
from tanbih.coalition.parse import ReadZoneFile, parse_coalition

__all__ = ["ReadZoneFile", "load_coalition", "parse_coalition"]
