"""The inbox and its live stream (being written)."""
