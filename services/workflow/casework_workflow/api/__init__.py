"""Workflow's REST API: case records (cases.py) and the referral protocol (protocol.py)."""
