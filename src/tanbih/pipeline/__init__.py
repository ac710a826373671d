"""The application layer: stages run against ports. No SQL, no HTTP here."""
