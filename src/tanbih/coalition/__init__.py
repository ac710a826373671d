"""The coalition file: loading, validating and hashing what it declares."""
