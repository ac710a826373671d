"""CAP 1.2 codec: hostile-input-safe XML reading, XML writing, the JSON mirror, the rules.

A computation core: lxml, pydantic and shapely, no I/O beyond reading the packaged XSD.
See docs/cap-profile.md for how tanbih uses CAP 1.2.
"""

from tanbih.cap.json_mirror import alert_from_json, alert_to_json
from tanbih.cap.json_models import AlertJson, AreaJson, InfoJson, NamedValueJson, ResourceJson
from tanbih.cap.rules import validate
from tanbih.cap.xml_emit import emit_xml
from tanbih.cap.xml_parse import (
    MAX_BYTES,
    MAX_DEPTH,
    CapDocument,
    parse_document,
    parse_stored,
    parse_xml,
)

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "AlertJson",
    "AreaJson",
    "CapDocument",
    "InfoJson",
    "NamedValueJson",
    "ResourceJson",
    "alert_from_json",
    "alert_to_json",
    "emit_xml",
    "parse_document",
    "parse_stored",
    "parse_xml",
    "validate",
]
