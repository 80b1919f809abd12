"""Workflow: case records and the scope rules every other service asks about."""
