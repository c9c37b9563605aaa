"""Reading CSV and XLSX files into checked record data, without writing anything."""
