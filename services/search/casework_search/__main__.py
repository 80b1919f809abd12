"""Run the search service: REST and gRPC APIs, the Kafka indexers, the index rebuilder."""

from __future__ import annotations

import hashlib
import sys

from opensearchpy import OpenSearch

from casework.v1 import events_pb2
from casework_common import erasure as erasures
from casework_common import events, kafka, rpc, storage
from casework_common.auth import TokenValidator
from casework_common.intake_client import IntakeClient
from casework_common.logs import configure_logging
from casework_common.refusals import kafka_auditor
from casework_common.runtime import ServiceRuntime
from casework_common.service_token import ServiceTokenProvider
from casework_common.web import create_app, provide
from casework_common.workflow_client import WorkflowClient
from casework_search import api, erasure, grpc_service
from casework_search.comparators import Comparators
from casework_search.evidence_search import EvidenceSearch
from casework_search.indexer import Indexer
from casework_search.indices import Indices
from casework_search.rebuild import Rebuilder
from casework_search.service import SearchService
from casework_search.settings import SearchSettings
from casework_search.trends import Trends


def main() -> int:
    settings = SearchSettings()
    configure_logging(settings.service_name, settings.log_level)
    # One pooled connection per API thread, plus the indexers and the rebuilder.
    client = OpenSearch(
        hosts=[settings.opensearch_url],
        timeout=30,
        maxsize=settings.http_threads + 4,
        http_auth=(settings.opensearch_username, settings.opensearch_password.get_secret_value())
        if settings.opensearch_username and settings.opensearch_password
        else None,
        ca_certs=settings.opensearch_ca_file,
    )
    indices = Indices(client, settings.index_prefix)
    s3 = storage.make_client(settings)
    kafka.ensure_topics(
        settings,
        [
            events.EVIDENCE_EXTRACTED,
            events.EVIDENCE_STATUS,
            events.CASE_EVENTS,
            events.AUDIT_REFUSALS,
            events.DATA_ERASURES,
            events.DATA_RECEIPTS,
        ],
        settings.kafka_topic_partitions,
    )
    producer = kafka.make_producer(settings)
    validator = TokenValidator.from_settings(settings)
    workflow = WorkflowClient(settings.workflow_grpc, settings.grpc_timeout_s, rest_url=settings.workflow_url)
    tokens = ServiceTokenProvider.from_settings(settings)
    rebuilder = Rebuilder(indices, workflow, s3, settings.text_bucket, IntakeClient(settings.intake_url), tokens)
    rebuilder.prepare()  # before the indexers run, so their first writes have an index to go to

    # Comparator keys are HMACs under a key every replica derives from the shared client secret.
    key_secret = hashlib.sha256(b"comparator-keys:" + settings.oidc_client_secret.get_secret_value().encode()).digest()
    service = SearchService(
        workflow,
        EvidenceSearch(client, indices, settings.max_page_size),
        Comparators(client, indices, key_secret),
        Trends(client, indices, settings.trend_threshold),
    )
    refusals = kafka_auditor(settings, producer)
    app = create_app(
        settings.service_name,
        validator,
        readiness={
            "opensearch": lambda: bool(client.ping()) and indices.ready(),
            "kafka": kafka.BrokerCheck(settings),
            "identity": validator.ready,
            "workflow": workflow.ready,
        },
        ready_timeout_s=settings.ready_timeout_s,
        refusals=refusals,
    )
    provide(app, service, indices, rebuilder)
    app.register_blueprint(api.bp)
    grpc_server, _ = rpc.make_server(
        settings.service_name, settings.grpc_port, settings.grpc_workers, [grpc_service.register(service, validator)]
    )
    indexer = Indexer(indices, s3, producer, settings.service_name)
    evidence_consumer = kafka.EventConsumer(
        settings,
        "search-indexer",
        [events.EVIDENCE_EXTRACTED],
        {events_pb2.EvidenceExtracted: indexer.handle_evidence},
        producer,
        prompt=True,  # an upload waits on it to be searchable
    )
    # Reps' corrections of an item's date, title or kind (on evidence.status, in order with its status).
    facts_consumer = kafka.EventConsumer(
        settings,
        "search-facts",
        [events.EVIDENCE_STATUS],
        {events_pb2.EvidenceFactsChanged: indexer.handle_facts_changed},
        producer,
    )
    case_consumer = kafka.EventConsumer(
        settings, "search-cases", [events.CASE_EVENTS], {events_pb2.CaseChanged: indexer.handle_case}, producer
    )
    runtime = ServiceRuntime(settings.service_name)
    runtime.add_loop("refusal-audit", refusals.run)
    runtime.add_loop("evidence-indexer", evidence_consumer.run)
    runtime.add_loop("facts-indexer", facts_consumer.run)
    runtime.add_loop("case-indexer", case_consumer.run)
    runtime.add_loop("index-rebuilder", rebuilder.run)
    # Workflow's requests to erase a case's data from the indices; receipts go back.
    search_erasure = erasure.SearchErasure(indices, producer, settings.service_name)
    erasures.add_consumer(runtime, settings, producer, erasure.GROUP, search_erasure.handle, loop="erasure")
    return runtime.serve(app, settings.http_host, settings.http_port, settings.http_threads, grpc_server)


if __name__ == "__main__":
    sys.exit(main())
