"""Privacy (POPIA): tenant exports, person reports, and the records of deleted tenants."""
