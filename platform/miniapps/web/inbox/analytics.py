"""The channel dashboard (being written)."""
