"""Tenants, users, roles, API keys and plugin connections with their encrypted credentials."""
