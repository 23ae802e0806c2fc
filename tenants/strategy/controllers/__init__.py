"""HTTP entry points of the strategy module: the JSON API and the web pages."""
