"""Topic administration from settings, on the real broker: partitions per topic, growth of a topic
with too few partitions (or a clear warning where the broker cannot add them), and the connection
options TLS and SASL settings turn into."""

from __future__ import annotations

import logging
import uuid

import pytest
from kafka.admin import KafkaAdminClient

from casework_common import kafka
from casework_common.settings import KafkaSettings
from harness import Platform


def settings(platform: Platform, **overrides: object) -> KafkaSettings:
    return KafkaSettings(
        service_name="test", kafka_bootstrap=f"127.0.0.1:{platform.config.ports['kafka']}", **overrides
    )


def partition_counts(config: KafkaSettings, topics: list[str]) -> dict[str, int]:
    admin = KafkaAdminClient(**kafka.client_options(config))
    try:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(topics)}
    finally:
        admin.close()


def test_topics_are_created_with_the_partitions_configured_for_each(platform: Platform) -> None:
    busy, quiet = f"test.busy.{uuid.uuid4().hex[:8]}", f"test.quiet.{uuid.uuid4().hex[:8]}"
    config = settings(platform, kafka_topic_partitions=2, kafka_partitions={busy: 5})
    kafka.ensure_topics(config, [busy, quiet])
    counts = partition_counts(config, [busy, quiet, kafka.dlq_topic(busy)])
    assert counts == {busy: 5, quiet: 2, kafka.dlq_topic(busy): 5}


def test_a_topic_with_too_few_partitions_is_grown_or_named_in_a_warning(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    topic = f"test.grow.{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(settings(platform), [topic], 1)
    grown = settings(platform, kafka_partitions={topic: 3})
    with caplog.at_level(logging.WARNING, logger="casework_common.kafka"):
        kafka.ensure_topics(grown, [topic])  # must not raise, whatever the broker supports
    if partition_counts(grown, [topic])[topic] != 3:  # the local Tansu cannot add partitions
        assert any(topic in r.getMessage() and "3 are configured" in r.getMessage() for r in caplog.records)


def test_tls_and_sasl_settings_become_client_options() -> None:
    config = KafkaSettings(
        service_name="test",
        kafka_bootstrap="kafka-0:9093,kafka-1:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="casework",
        kafka_sasl_password="secret",
        kafka_ssl_cafile="/etc/casework/ca/kafka/ca.crt",
    )
    assert kafka.client_options(config) == {
        "bootstrap_servers": "kafka-0:9093,kafka-1:9093",
        "security_protocol": "SASL_SSL",
        "ssl_cafile": "/etc/casework/ca/kafka/ca.crt",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "casework",
        "sasl_plain_password": "secret",
    }
    assert kafka.client_options(KafkaSettings(service_name="test")) == {
        "bootstrap_servers": "127.0.0.1:9092",
        "security_protocol": "PLAINTEXT",
    }
