"""Search: per-page evidence index kept current from Kafka, queried within the caller's scope."""
