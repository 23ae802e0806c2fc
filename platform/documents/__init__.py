"""Tabular reports as one typed model, written as XLSX, PDF or CSV (the formats cannot
disagree because they are written from the same rows)."""
