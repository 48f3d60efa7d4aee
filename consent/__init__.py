"""Consent rules: pure functions over ledger records and a clock, with no I/O."""
