"""Exports of records under the permission filter (the writing itself is core.exports)."""
