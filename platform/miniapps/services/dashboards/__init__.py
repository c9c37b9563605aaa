"""Dashboards: the automatic and declared widgets of an app, computed in SQL at any level."""
