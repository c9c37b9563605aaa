"""The app studio under ``/studio``: drafts, the visual editor, the JSON tab, history."""

# These modules register their routes on ``bp``.
from miniapps.web.studio import (  # noqa: F401
    editor,
    editor_fields,
    editor_settings,
    field_page,
    history,
    json_tab,
    listing,
    preview,
    publish,
    start,
)
from miniapps.web.studio.blueprint import bp

__all__ = ["bp"]
