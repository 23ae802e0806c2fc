"""Controllers of the reports module."""
