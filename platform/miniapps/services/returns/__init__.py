"""Periodic returns: who owes what, the completeness grid, chase, period locks, reminders."""
