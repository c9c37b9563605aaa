"""Services: the operations pages, API, CLI and jobs share. They flush; callers commit."""
