"""The mailroom: evidence that arrives by email (mailroom/) or in scanned batches (scanning/).

Runs as its own process, ``python -m casework_intake mailroom`` (process.py), beside intake's API.
"""
