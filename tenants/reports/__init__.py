"""Performance reports of a municipality: the SDBIP quarterly (section 52) report."""
