"""Portal section: the audit log and business-event deliveries."""
