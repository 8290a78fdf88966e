"""The platform's own endpoints: jobs, audit log, plugins and event deliveries."""
