"""Shared plumbing for casework services: settings, logs, tracing, auth, HTTP, gRPC, Kafka, outbox, storage."""
