"""The coalition file as YAML text: parsed once, with the line of every key and item kept.

Problems name a path inside the file (``partners[2].contacts[0].channels[1].kind``); this module
turns such a path into the YAML line it points at, so an operator can jump straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import yaml

from tanbih.errors import Problem

PathPart: TypeAlias = str | int
DocPath: TypeAlias = tuple[PathPart, ...]

DOCUMENT = "(document)"

# libyaml's loader when present: five times faster, same safe constructors, same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def format_path(path: DocPath) -> str:
    """``('partners', 2, 'id')`` as ``partners[2].id``; the empty path as ``(document)``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or DOCUMENT


@dataclass(frozen=True, slots=True)
class SourceMap:
    """The composed YAML node tree of a file, to find the line of any path in it."""

    root: yaml.Node | None

    def line(self, path: DocPath) -> int | None:
        """The 1-based line of ``path``, or of its deepest ancestor present in the file."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node, line = child
        return line

    def problem(self, path: DocPath, message: str) -> Problem:
        """A problem at ``path``, with its line."""
        return Problem(format_path(path), message, self.line(path))


def _child(node: yaml.Node, part: PathPart) -> tuple[yaml.Node, int] | None:
    """The node under ``node`` at ``part`` and the line to report for it."""
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                # The key's line: a nested mapping's own mark would point at its first child.
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The plain data of a YAML document and its source map."""

    data: object
    source_map: SourceMap


def read_yaml(text: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse ``text`` with the safe loader; a syntax error or a duplicate key is a problem."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(DOCUMENT, f"not valid YAML: {exc.problem or exc}", line)]
    except yaml.YAMLError as exc:
        return None, [Problem(DOCUMENT, f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    source_map = SourceMap(root)
    return YamlDocument(data, source_map), _duplicate_keys(root, (), set())


def _duplicate_keys(node: yaml.Node | None, path: DocPath, seen: set[int]) -> list[Problem]:
    """Keys given twice in one mapping: PyYAML would silently keep the last one."""
    # Aliases share nodes; visiting each once keeps an alias bomb from exploding the walk.
    if node is None or id(node) in seen:
        return []
    seen.add(id(node))
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            line = key.start_mark.line + 1
            if name in first_lines and name != "<<":
                problems.append(
                    Problem(
                        format_path((*path, name)),
                        f"duplicate key (first given on line {first_lines[name]})",
                        line,
                    )
                )
            first_lines.setdefault(name, line)
            problems += _duplicate_keys(value, (*path, name), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems += _duplicate_keys(item, (*path, index), seen)
    return problems
