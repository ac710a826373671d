"""tanbih: coalition air-threat early warning and rapid notification over CAP 1.2."""

__version__ = "0.1.0"
