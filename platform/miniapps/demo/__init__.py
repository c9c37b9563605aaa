"""The demo behind ``miniapps demo load``: pilot organisations, users, apps, a year of returns."""
