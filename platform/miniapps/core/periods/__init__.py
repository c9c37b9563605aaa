"""Reporting periods: keys that sort in time order, labels, due dates, overdue, return status."""
