"""The pure core: definitions, records, forms, imports, exports, indicators, periods, workflow.

No Flask, werkzeug, SQLAlchemy or models here (tests/core/test_core_purity.py)."""
