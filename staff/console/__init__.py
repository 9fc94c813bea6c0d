"""The staff console (staff/console/app.py): edit, preview, approve and publish without YAML."""
