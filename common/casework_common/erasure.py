"""What every holder of a case's data does alike when it erases it (docs/design.md,
'Retention, legal holds and erasure').

Workflow publishes ``CaseDataDue`` on ``dataprotection.erasures`` when a closed case's data is due
for removal. Each service that holds a kind of it (``vocabulary.DATA_KIND_HOLDERS``) reads the
request in a consumer group of its own, removes its copy and answers with one ``CaseDataErased``
receipt per kind on ``dataprotection.receipts``. What is removed, and how, is each service's own
(its ``erasure.py``); this module holds what they share: which kinds a request asks of a service,
the receipt and how it is sent, waiting out an outage of the stores, and the consumer's wiring.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import ClassVar, Generic, Protocol, TypeVar

import urllib3
from kafka import KafkaProducer
from minio import Minio
from minio.error import ServerError
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.exc import OperationalError

from casework.v1 import events_pb2
from casework_common import events, kafka, storage
from casework_common.outbox import enqueue
from casework_common.runtime import ServiceRuntime
from casework_common.settings import KafkaSettings, S3Settings
from casework_common.vocabulary import DATA_KIND_HOLDERS, DATA_KIND_NAMES, DATA_KINDS

log = logging.getLogger(__name__)

#: A ``CaseDataDue`` handler, as :class:`casework_common.kafka.EventConsumer` calls it.
Handler = Callable[[events_pb2.CaseDataDue, events.Event], None]
#: A service's settings, as its eraser keeps them.
SettingsT = TypeVar("SettingsT", bound=S3Settings)


class Removal(Protocol):
    """What one erasure removed, counted for its receipt (no names, no content)."""

    @property
    def items(self) -> int:
        """How many things were removed (the receipt's ``items_removed``)."""
        ...

    def detail(self) -> str:
        """What was removed, in words (the receipt's ``detail``)."""
        ...


def held_kind(service: str, kind: str) -> str:
    """``kind``, once checked: ValueError unless the vocabulary names ``service`` as a holder of
    it (otherwise its handler would skip every request for it, and the kind would never be done)."""
    if service not in DATA_KIND_HOLDERS.get(kind, ()):
        raise ValueError(f"the vocabulary must name {service} as a holder of {kind}")
    return kind


def kinds_held(service: str, due: events_pb2.CaseDataDue) -> list[str]:
    """The kinds ``due`` asks for that ``service`` holds (per DATA_KIND_HOLDERS): short names, sorted."""
    asked = {DATA_KIND_NAMES.get(number, "") for number in due.kinds}
    return sorted(kind for kind in asked if service in DATA_KIND_HOLDERS.get(kind, ()))


def receipt(
    case_id: str, kind: str, service: str, request_id: str, items: int, detail: str
) -> events_pb2.CaseDataErased:
    """The receipt that ``service`` erased its copy of ``kind`` (a short name) for the request."""
    return events_pb2.CaseDataErased(
        case_id=case_id,
        kind=DATA_KINDS[kind],
        service=service,
        request_id=request_id,
        items_removed=items,
        detail=detail,
    )


def enqueue_receipt(
    conn: Connection, outbox: Table, service: str, kind: str, case_id: str, request_id: str, removed: Removal
) -> None:
    """Write the receipt to ``service``'s outbox in the caller's transaction: it is sent only if the
    deletions it answers for commit with it."""
    answer = receipt(case_id, kind, service, request_id, removed.items, removed.detail())
    enqueue(conn, outbox, events.DATA_RECEIPTS, case_id, answer, service)


def send_receipt(producer: KafkaProducer, answer: events_pb2.CaseDataErased) -> None:
    """Publish a receipt for a service without an outbox, after its deletions committed. Waits for
    the broker: an unsent receipt raises, and the request is handled again."""
    kafka.publish(producer, events.DATA_RECEIPTS, answer.case_id, answer, answer.service).get(timeout=30)


@contextlib.contextmanager
def dependencies_answer() -> Iterator[None]:
    """An outage of the database or the object store is not the request's fault: read it again
    later instead of spending its attempts (and dead-lettering it)."""
    try:
        yield
    except (OperationalError, ServerError, urllib3.exceptions.HTTPError, ConnectionError) as exc:
        raise kafka.RetryLater(f"{type(exc).__name__}: {exc}") from exc


def erase_held_kind(
    service: str,
    kind: str,
    due: events_pb2.CaseDataDue,
    erase: Callable[[uuid.UUID, str], Removal],
    service_log: logging.Logger,
) -> None:
    """The handler's work for a service that holds one kind in its database and object store:
    ``erase(case_id, request_id)`` if ``due`` asks for ``kind``, waiting out outages, and logged
    on ``service_log``. Requests for other kinds are other services' work."""
    if kind not in kinds_held(service, due):
        return
    case_id = uuid.UUID(due.case_id)  # not a UUID: retrying cannot help; dead-lettered after the attempts
    with dependencies_answer():
        removed = erase(case_id, due.request_id)
    service_log.info("case %s: %s erased (%d item(s))", case_id, kind.replace("_", " "), removed.items)


class RetentionEraser(abc.ABC, Generic[SettingsT]):
    """The ``CaseDataDue`` handler of a service that holds one kind in its database and in objects
    under a governance-mode lock: subclasses name ``service`` and ``kind`` and remove the case's
    copy in :meth:`erase`."""

    service: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, engine: Engine, retention_s3: Minio, settings: SettingsT) -> None:
        """``retention_s3`` must carry the retention identity (storage.retention_client): the only
        one allowed to remove versions under a governance-mode lock."""
        self.engine = engine
        self.s3 = retention_s3
        self.settings = settings

    def handle(self, due: events_pb2.CaseDataDue, _event: events.Event) -> None:
        """The consumer's handler (:func:`erase_held_kind`), logged on the subclass's module's logger."""
        erase_held_kind(self.service, self.kind, due, self.erase, logging.getLogger(type(self).__module__))

    @abc.abstractmethod
    def erase(self, case_id: uuid.UUID, request_id: str = "") -> Removal:
        """Remove the case's copy of the kind everywhere the service keeps it; send the receipt."""


def retention_identity(settings: S3Settings, what: str) -> Minio | None:
    """A client with the retention identity (storage.retention_client), or None when none is
    configured: logged as an error, since ``what`` erasure requests then wait in the topic, unread
    by the service's group, until the identity is given."""
    if settings.s3_retention_access_key.get_secret_value():
        return storage.retention_client(settings)
    log.error("no retention S3 identity (CASEWORK_S3_RETENTION_ACCESS_KEY): %s erasure requests wait", what)
    return None


def add_consumer(
    runtime: ServiceRuntime,
    settings: KafkaSettings,
    producer: KafkaProducer,
    group: str,
    handle: Handler,
    *,
    loop: str = "erasure-consumer",
) -> None:
    """Run ``handle`` on every ``CaseDataDue`` of ``dataprotection.erasures``, in the consumer group
    ``group`` (one per holding service), as the runtime's loop ``loop``; ``producer`` takes its
    dead letters."""
    consumer = kafka.EventConsumer(settings, group, [events.DATA_ERASURES], {events_pb2.CaseDataDue: handle}, producer)
    runtime.add_loop(loop, consumer.run)
