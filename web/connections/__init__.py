"""Connections: accounts at channels, carriers and accounting systems, and the channel sync."""
