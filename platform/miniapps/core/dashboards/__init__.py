"""Pure parts of dashboard widgets: which conditions SQL can answer, items, durations."""
