"""CaseAuthority: scope decisions for the other services, over gRPC."""

from __future__ import annotations

import logging

import grpc

from casework.v1 import workflow_pb2, workflow_pb2_grpc
from casework_common import rpc
from casework_common.auth import TokenValidator
from casework_workflow import scope
from casework_workflow.cases import CaseStore

log = logging.getLogger(__name__)


class CaseAuthority(workflow_pb2_grpc.CaseAuthorityServicer):
    def __init__(self, store: CaseStore, validator: TokenValidator) -> None:
        self.store = store
        self.validator = validator

    def Authorize(
        self, request: workflow_pb2.AuthorizeRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.AuthorizeResponse:
        caller = rpc.authenticate(context, self.validator)
        view = self.store.get(caller, request.case_id)
        if view is None:
            log.info(
                "authorize %s %s on case %s: not visible",
                caller.username,
                workflow_pb2.CaseAction.Name(request.action),
                request.case_id,
            )
            return workflow_pb2.AuthorizeResponse(
                allowed=False, visible=False, reason="The case is not visible to you."
            )
        allowed, reason = scope.may(caller, view.access, request.action)
        log.info(
            "authorize %s %s on case %s: %s",
            caller.username,
            workflow_pb2.CaseAction.Name(request.action),
            request.case_id,
            "allowed" if allowed else f"denied ({reason})",
        )
        return workflow_pb2.AuthorizeResponse(
            allowed=allowed, visible=True, reason="" if allowed else reason, case=view.summary_proto()
        )

    def GetCase(self, request: workflow_pb2.GetCaseRequest, context: grpc.ServicerContext) -> workflow_pb2.CaseSummary:
        caller = rpc.authenticate(context, self.validator)
        view = self.store.get(caller, request.case_id)
        if view is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "No case with that id is visible to you.")
        return view.summary_proto()

    def GetScope(self, request: workflow_pb2.GetScopeRequest, context: grpc.ServicerContext) -> workflow_pb2.Scope:
        return self.store.scope_of(rpc.authenticate(context, self.validator))


def register(store: CaseStore, validator: TokenValidator):
    def add(server: grpc.Server) -> str:
        workflow_pb2_grpc.add_CaseAuthorityServicer_to_server(CaseAuthority(store, validator), server)
        return workflow_pb2.DESCRIPTOR.services_by_name["CaseAuthority"].full_name

    return add
