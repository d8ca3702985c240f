"""The coordinator's workspace, one module per area: the dashboard, gaps and next steps; support cases;
the specialist pool; shared goals; council reports. urls.py lists their addresses."""
