"""App pages under ``/apps``: records, forms, dashboards, indicators, returns, publishing."""

# These modules register their routes on ``bp``.
from miniapps.web.apps import (  # noqa: F401
    app_tabs,
    compliance,
    compliance_overview,
    compliance_pack,
    dashboard,
    follow_ups,
    indicators,
    library,
    library_actions,
    library_document,
    matrix,
    publish,
    record_comments,
    record_form,
    records,
    records_import,
    returns,
    views_page,
)
from miniapps.web.apps.blueprint import bp

__all__ = ["bp"]
