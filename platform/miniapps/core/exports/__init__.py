"""Writing records as CSV, XLSX and JSON, with spreadsheet formulas neutralised."""
