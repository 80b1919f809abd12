"""Notify: turns events into inbox items and emails for the right people."""
