"""Portal section: company settings, users and API keys."""
