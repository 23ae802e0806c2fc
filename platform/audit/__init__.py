"""The tenant's audit trail: who changed what, when, from where, before and after."""
