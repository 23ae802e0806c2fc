"""Reporting frameworks: SDGs, Back to Basics, Circular 88, IDP, SDBIP and logframes."""
