"""Run the search service: REST search API, evidence indexer (Kafka), index keeper."""

from __future__ import annotations

import functools
import sys

from opensearchpy import OpenSearch

from casework.v1 import events_pb2
from casework_common import events, kafka, storage
from casework_common.auth import TokenValidator
from casework_common.logs import configure_logging
from casework_common.runtime import ServiceRuntime
from casework_common.service_token import ServiceTokenProvider
from casework_common.web import create_app
from casework_common.workflow_client import WorkflowClient
from casework_search import api
from casework_search.index import EvidenceIndex
from casework_search.indexer import Indexer
from casework_search.rebuild import keep_index_present
from casework_search.settings import SearchSettings


def main() -> int:
    settings = SearchSettings()
    configure_logging(settings.service_name, settings.log_level)
    client = OpenSearch(hosts=[settings.opensearch_url], timeout=30)
    index = EvidenceIndex(client, settings.index_prefix)
    s3 = storage.make_client(settings)
    kafka.ensure_topics(
        settings.kafka_bootstrap, [events.EVIDENCE_EXTRACTED, events.EVIDENCE_STATUS], settings.kafka_topic_partitions
    )
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s)
    tokens = ServiceTokenProvider.from_settings(settings)
    created = not index.exists()
    if created:
        index.create()  # before the indexer runs; the keeper below fills it from the records

    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "opensearch": lambda: bool(client.ping()) and index.exists(),
            "kafka": kafka.BrokerCheck(settings.kafka_bootstrap),
            "identity": validator.ready,
            "workflow": workflow.ready,
        },
    )
    app.register_blueprint(api.blueprint(client, index, workflow, settings))
    indexer = Indexer(index, s3, producer, settings.service_name)
    consumer = kafka.EventConsumer(
        settings,
        "search-indexer",
        [events.EVIDENCE_EXTRACTED],
        {events_pb2.EvidenceExtracted: indexer.handle},
        producer,
    )
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("indexer", consumer.run)
    runtime.add_loop(
        "index-keeper",
        functools.partial(keep_index_present, index, s3, settings.text_bucket, settings.intake_url, tokens, created),
    )
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    sys.exit(main())
