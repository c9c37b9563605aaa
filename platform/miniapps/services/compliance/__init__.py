"""Compliance frameworks and evidence (issue 14)."""
