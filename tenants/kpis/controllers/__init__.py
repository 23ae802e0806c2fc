"""HTTP entry points of the KPI module: the JSON API and the web pages."""
