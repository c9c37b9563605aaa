"""Indicators: the arithmetic (points, money, RAG), year sets, indicator_source, projections."""
