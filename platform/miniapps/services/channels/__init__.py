"""Channels: sending records to stakeholder organisations as items, the clocks that run
on them, their inbox, breaches and webhooks."""
