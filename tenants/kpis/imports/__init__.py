"""Importing indicators with their targets, and actuals, from CSV and XLSX files."""
