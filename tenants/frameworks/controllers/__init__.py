"""Web and API controllers of the frameworks module."""
