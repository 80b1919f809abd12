"""Client for workflow: its CaseAuthority gRPC service, the one place scope decisions come from,
and the one REST call another service makes (a timeline entry written as the caller)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import requests

from casework.v1 import workflow_pb2, workflow_pb2_grpc
from casework_common import rpc
from casework_common.problems import Problem, unauthorized, unavailable

# The case service's answer when it cannot be reached, over gRPC or REST.
UNAVAILABLE = "The case service is not available; try again shortly."
# A timeline entry is one small JSON write.
REST_TIMEOUT_S = 10.0


class WorkflowClient:
    """Asks workflow, on behalf of a token's owner, what they may do and see."""

    def __init__(self, target: str, timeout_s: float, rest_url: str | None = None) -> None:
        """``target``: workflow's gRPC address; ``rest_url``: its REST API's base URL, needed
        only by a service that writes timeline entries (:meth:`add_timeline_entry`)."""
        self.target = target
        self.timeout_s = timeout_s
        self.rest_url = rest_url
        self._channel = rpc.channel(target)
        self._stub = workflow_pb2_grpc.CaseAuthorityStub(self._channel)

    def _call(self, method: grpc.UnaryUnaryMultiCallable, request: object, token: str) -> object:
        return _answer(lambda: method(request, metadata=rpc.call_metadata(token), timeout=self.timeout_s))

    def authorize(self, token: str, case_id: str, action: int, resource: str = "") -> workflow_pb2.AuthorizeResponse:
        """May the token's owner do ``action`` on the case? ``resource`` names what is accessed, for the audit log."""
        request = workflow_pb2.AuthorizeRequest(case_id=case_id, action=action, resource=resource)
        return self._call(self._stub.Authorize, request, token)

    def scope(self, token: str) -> workflow_pb2.Scope:
        return self._call(self._stub.GetScope, workflow_pb2.GetScopeRequest(), token)

    def scope_later(self, token: str) -> Callable[[], workflow_pb2.Scope]:
        """Ask for the token owner's scope now, without waiting: the returned function waits for
        the answer and returns it (or raises) as :meth:`scope` would."""
        future = self._stub.GetScope.future(
            workflow_pb2.GetScopeRequest(), metadata=rpc.call_metadata(token), timeout=self.timeout_s
        )
        return lambda: _answer(future.result)

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

    def add_timeline_entry(
        self, token: str, case_id: str, entry: dict[str, Any], *, not_saved: str = "The case service did not save it."
    ) -> dict[str, Any]:
        """Write ``entry`` on the case's timeline as the token's owner (POST /v1/cases/{id}/timeline);
        returns the entry as workflow stored it. Workflow unreachable is a 503 Problem; any answer
        but 201 a Problem of type ``not-saved`` with workflow's status, title and detail
        (``not_saved`` when workflow gave none)."""
        if self.rest_url is None:
            raise RuntimeError("WorkflowClient was made without rest_url; it cannot write timeline entries")
        try:
            response = requests.post(
                f"{self.rest_url}/v1/cases/{case_id}/timeline",
                json=entry,
                headers={"Authorization": f"Bearer {token}"},
                timeout=REST_TIMEOUT_S,
            )
        except requests.RequestException as exc:
            raise unavailable(UNAVAILABLE) from exc
        if response.status_code != 201:
            problem = response.json() if response.headers.get("content-type", "").endswith("json") else {}
            raise Problem(
                response.status_code,
                "not-saved",
                problem.get("title", "Not saved"),
                problem.get("detail", not_saved),
            )
        return response.json()

    def ready(self) -> bool:
        return rpc.health_check(self.target)

    def close(self) -> None:
        self._channel.close()


def _answer(call: Callable[[], Any]) -> Any:
    """``call()``'s answer, with workflow's refusals and absence as the Problems callers answer with."""
    try:
        return call()
    except grpc.RpcError as exc:
        code = exc.code()  # type: ignore[attr-defined]
        if code == grpc.StatusCode.UNAUTHENTICATED:
            raise unauthorized(exc.details()) from exc  # type: ignore[attr-defined]
        if code == grpc.StatusCode.NOT_FOUND:
            raise Problem(404, "not-found", "Not found", exc.details()) from exc  # type: ignore[attr-defined]
        if code == grpc.StatusCode.PERMISSION_DENIED:
            raise Problem(403, "forbidden", "Forbidden", exc.details()) from exc  # type: ignore[attr-defined]
        raise unavailable(UNAVAILABLE) from exc
