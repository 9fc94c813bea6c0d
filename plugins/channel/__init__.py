"""Channels the assistant listens on (one place for channels)."""
