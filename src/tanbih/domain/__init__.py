"""Pure domain: frozen values, enums and decisions. Standard library only; never reads the clock."""
