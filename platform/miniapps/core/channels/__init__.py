"""Channels, pure: what a definition's ``channels`` member says (who receives a record,
when, and the clocks that run), and working-day deadlines on a bank-holiday calendar."""
