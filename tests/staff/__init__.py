"""Tests of the staff tools (tools/, docs/staff-guide.md)."""
