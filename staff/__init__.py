"""Staff tools: `make check`, `make review`, `make add-examples`, `make publish` (docs/staff-guide.md)."""
