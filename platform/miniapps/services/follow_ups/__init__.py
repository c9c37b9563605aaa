"""Follow-up actions from failed audit items: made on submission, closed with a note,
listed, chased by the scheduler and counted as compliance gaps."""
