"""Key performance indicators: definitions, periods, targets and status."""
