"""Indicator results from stored returns: per organisation, rolled up, PCN overview, year sets."""
