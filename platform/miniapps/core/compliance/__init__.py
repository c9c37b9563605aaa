"""Compliance frameworks and evidence, as data (pure: no database)."""
