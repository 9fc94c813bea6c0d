"""Tests of the staff tools (staff/, docs/staff-guide.md)."""
