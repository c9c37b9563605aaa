"""One record's data: the one check deciding whether it may be stored, issues, display."""
