"""Client for workflow's CaseAuthority gRPC service, the one place scope decisions come from."""

from __future__ import annotations

import grpc

from casework.v1 import workflow_pb2, workflow_pb2_grpc
from casework_common import rpc
from casework_common.problems import Problem, unauthorized, unavailable


class WorkflowClient:
    """Asks workflow, on behalf of a token's owner, what they may do and see."""

    def __init__(self, target: str, timeout_s: float) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self._channel = rpc.channel(target)
        self._stub = workflow_pb2_grpc.CaseAuthorityStub(self._channel)

    def _call(self, method: grpc.UnaryUnaryMultiCallable, request: object, token: str) -> object:
        try:
            return method(request, metadata=rpc.call_metadata(token), timeout=self.timeout_s)
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            if code == grpc.StatusCode.UNAUTHENTICATED:
                raise unauthorized(exc.details()) from exc  # type: ignore[attr-defined]
            if code == grpc.StatusCode.NOT_FOUND:
                raise Problem(404, "not-found", "Not found", exc.details()) from exc  # type: ignore[attr-defined]
            if code == grpc.StatusCode.PERMISSION_DENIED:
                raise Problem(403, "forbidden", "Forbidden", exc.details()) from exc  # type: ignore[attr-defined]
            raise unavailable("The case service is not available; try again shortly.") from exc

    def authorize(self, token: str, case_id: str, action: int, resource: str = "") -> workflow_pb2.AuthorizeResponse:
        """May the token's owner do ``action`` on the case? ``resource`` names what is accessed, for the audit log."""
        request = workflow_pb2.AuthorizeRequest(case_id=case_id, action=action, resource=resource)
        return self._call(self._stub.Authorize, request, token)

    def scope(self, token: str) -> workflow_pb2.Scope:
        return self._call(self._stub.GetScope, workflow_pb2.GetScopeRequest(), token)

    def get_case(self, token: str, case_id: str) -> workflow_pb2.CaseSummary:
        return self._call(self._stub.GetCase, workflow_pb2.GetCaseRequest(case_id=case_id), token)

    def list_case_facts(self, token: str, page_token: str = "", page_size: int = 500) -> workflow_pb2.CaseFactsPage:
        """One page of every case's facts (service tokens only)."""
        request = workflow_pb2.ListCaseFactsRequest(page_token=page_token, page_size=page_size)
        return self._call(self._stub.ListCaseFacts, request, token)

    def authorize_person(
        self,
        service_token: str,
        case_id: str,
        action: int,
        resource: str = "",
        *,
        username: str | None = None,
        email: str | None = None,
    ) -> workflow_pb2.AuthorizePersonResponse:
        """May the person with ``username`` (or this verified ``email``) do ``action`` on the case?
        Asked with a service account's token, for someone who sent none (mail, cover sheets)."""
        request = workflow_pb2.AuthorizePersonRequest(case_id=case_id, action=action, resource=resource)
        if username is not None:
            request.username = username
        elif email is not None:
            request.email = email
        return self._call(self._stub.AuthorizePerson, request, service_token)

    def find_case(self, service_token: str, reference: str) -> workflow_pb2.CaseSummary:
        """The case with this reference (a 404 Problem when none); service tokens only."""
        return self._call(self._stub.FindCase, workflow_pb2.FindCaseRequest(reference=reference), service_token)

    def ready(self) -> bool:
        return rpc.health_check(self.target)

    def close(self) -> None:
        self._channel.close()
