"""gRPC server and client helpers: health and reflection services, trace propagation, bearer tokens, metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from casework_common import metrics, tracing
from casework_common.auth import AuthError, Principal, TokenValidator, bearer_token


class _ServerInterceptor(grpc.ServerInterceptor):
    """Binds the caller's trace id and records per-method counts and latency."""

    def __init__(self, service: str) -> None:
        factory = metrics.Metrics(service)
        self._requests = factory.counter("grpc_requests_total", "gRPC calls handled.", ("method", "code"))
        self._latency = factory.histogram("grpc_request_duration_seconds", "gRPC call latency.", ("method",))

    def intercept_service(self, continuation: Callable[..., Any], details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        trace_id = tracing.parse_traceparent(dict(details.invocation_metadata or ()).get(tracing.HEADER))
        method = details.method

        def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
            started = time.perf_counter()
            with tracing.bound(trace_id):
                try:
                    return inner(request, context)
                finally:
                    code = context.code() or grpc.StatusCode.OK
                    self._requests.labels(method, code.name).inc()
                    self._latency.labels(method).observe(time.perf_counter() - started)

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class _ReadinessHealth(health.HealthServicer):
    """The standard health service, answering NOT_SERVING while ``ready`` says the service cannot
    serve: a peer that asks (search's /readyz asks workflow) must not report itself ready
    while every call it makes here would fail."""

    def __init__(self, ready: Callable[[], bool]) -> None:
        super().__init__()
        self._ready = ready

    def Check(self, request: health_pb2.HealthCheckRequest, context: grpc.ServicerContext) -> Any:  # noqa: N802 - gRPC's name
        reply = super().Check(request, context)
        if reply.status == health_pb2.HealthCheckResponse.SERVING and not self._ready():
            return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.NOT_SERVING)
        return reply


def make_server(
    service: str,
    port: int,
    workers: int,
    register: list[Callable[[grpc.Server], str]],
    ready: Callable[[], bool] = lambda: True,
) -> tuple[grpc.Server, health.HealthServicer]:
    """A ready (not yet started) server on ``port`` with the standard health and reflection services.

    Each ``register`` callable adds a servicer and returns its full service name, which
    is marked SERVING in the health service and listed by reflection (so grpcurl and
    other tools can call it without the .proto files). A health check answers NOT_SERVING
    while ``ready`` (the dependencies the gRPC calls need) returns false.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{service}-grpc"),
        interceptors=[_ServerInterceptor(service)],
    )
    health_servicer = _ReadinessHealth(ready)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [add(server) for add in register]
    for name in names:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_name = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
    reflection.enable_server_reflection((*names, health_name, reflection.SERVICE_NAME), server)
    server.add_insecure_port(f"[::]:{port}")
    return server, health_servicer


def authenticate(context: grpc.ServicerContext, validator: TokenValidator) -> Principal:
    """The caller's principal from the ``authorization`` metadata; aborts UNAUTHENTICATED otherwise."""
    metadata = dict(context.invocation_metadata() or ())
    try:
        return validator.validate(bearer_token(metadata.get("authorization")))
    except AuthError as exc:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
        raise  # unreachable: abort raises


def call_metadata(token: str) -> tuple[tuple[str, str], ...]:
    """Metadata for an outgoing call made on behalf of ``token``'s owner."""
    return (("authorization", f"Bearer {token}"), (tracing.HEADER, tracing.format_traceparent()))


def channel(target: str) -> grpc.Channel:
    """A channel to another casework service (plaintext inside the cluster mesh)."""
    return grpc.insecure_channel(
        target,
        options=[("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)],
    )


def health_check(target: str, timeout_s: float = 2.0) -> bool:
    """True when the server at ``target`` reports SERVING."""
    with channel(target) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout_s)
        return reply.status == health_pb2.HealthCheckResponse.SERVING
