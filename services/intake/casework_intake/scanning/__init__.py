"""Scanned batches: cover sheets with a signed QR code, batches split at each sheet, the unfiled queue."""
