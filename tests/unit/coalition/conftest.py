"""The ``write`` fixture: a coalition document and its zone files, on disk in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.unit.coalition.samples import Document, Write, minimal_zones


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a coalition document (dict or YAML text) and its zone files; return its path."""

    def write(document: Document | str, zones: dict[str, Document | str] | None = None) -> Path:
        zone_files = minimal_zones() if zones is None else zones
        for name, content in zone_files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            text = content if isinstance(content, str) else json.dumps(content)
            path.write_text(text, encoding="utf-8")
        path = tmp_path / "coalition.yaml"
        text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
