"""Portal section: background jobs, their progress and failures."""
