"""Orders (销): one order model for every channel, from intake to after-sales."""
