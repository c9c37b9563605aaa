"""Imports into an app: checked all or nothing, duplicates skipped, run in the background."""
