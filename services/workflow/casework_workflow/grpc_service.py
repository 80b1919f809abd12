"""CaseAuthority: scope decisions for the other services, over gRPC, each one audited."""

from __future__ import annotations

import logging

import grpc
from sqlalchemy import select

from casework.v1 import workflow_pb2, workflow_pb2_grpc
from casework_common import rpc
from casework_common.auth import Principal, TokenValidator
from casework_common.directory import Directory
from casework_workflow import audit, erased, scope
from casework_workflow.cases import Cases, parse_id
from casework_workflow.outbound import case_facts
from casework_workflow.tables import cases

log = logging.getLogger(__name__)
ACTION_NAMES = {
    workflow_pb2.CASE_ACTION_VIEW: "case.view",
    workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE: "evidence.attach",
    workflow_pb2.CASE_ACTION_VIEW_EVIDENCE: "evidence.read",
    workflow_pb2.CASE_ACTION_VIEW_REPS_EVIDENCE: "evidence.read_reps_only",
    workflow_pb2.CASE_ACTION_EDIT_EVIDENCE: "evidence.edit",
    workflow_pb2.CASE_ACTION_EDIT_DEADLINES: "deadline.edit",
}

#: Actions that add to or change a case; refused for an erased case (erased.py).
WRITE_ACTIONS = frozenset(
    {
        workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE,
        workflow_pb2.CASE_ACTION_EDIT_EVIDENCE,
        workflow_pb2.CASE_ACTION_EDIT_DEADLINES,
    }
)


class CaseAuthority(workflow_pb2_grpc.CaseAuthorityServicer):
    def __init__(self, store: Cases, validator: TokenValidator, directory: Directory | None = None) -> None:
        self.store = store
        self.validator = validator
        self.directory = directory

    def _decide(self, caller: Principal, case_id: str, action: int, resource: str) -> workflow_pb2.AuthorizeResponse:
        """Whether ``caller`` may do ``action`` on the case, audited as theirs."""
        name = ACTION_NAMES.get(action, "unknown")
        with self.store.engine.begin() as conn:
            view = self.store.load(conn, caller, case_id)
            if view is None:
                log.info("authorize %s %s on case %s: not visible", caller.username, name, case_id)
                return workflow_pb2.AuthorizeResponse(
                    allowed=False, visible=False, reason="The case is not visible to you."
                )
            allowed, reason = scope.may(caller, view.access, action)
            if allowed and action in WRITE_ACTIONS and erased.is_erased(conn, view.id):
                allowed, reason = False, erased.DETAIL  # nothing new on an erased case: it would stay
            log.info(
                "authorize %s %s on case %s: %s",
                caller.username,
                name,
                case_id,
                "allowed" if allowed else f"denied ({reason})",
            )
            audit.record(conn, caller, name if allowed else f"{name}.denied", view.id, resource or None)
        return workflow_pb2.AuthorizeResponse(
            allowed=allowed, visible=True, reason="" if allowed else reason, case=view.summary_proto()
        )

    def Authorize(
        self, request: workflow_pb2.AuthorizeRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.AuthorizeResponse:
        caller = rpc.authenticate(context, self.validator)
        return self._decide(caller, request.case_id, request.action, request.resource)

    def AuthorizePerson(
        self, request: workflow_pb2.AuthorizePersonRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.AuthorizePersonResponse:
        """For intake's mailroom: the decision for a person who sent no token (an email's sender, a
        cover sheet's printer), looked up afresh so a change of role or branch applies at once."""
        caller = rpc.authenticate(context, self.validator)
        if not caller.is_service:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Only services may ask on another person's behalf.")
        if self.directory is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "No directory is configured.")
        which = request.WhichOneof("person")
        if which == "username":
            person = self.directory.current_by_username(request.username)
        elif which == "email":
            person = self.directory.current_by_email(request.email)
        else:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Name the person by username or email.")
        if person is None or not person.enabled:
            return workflow_pb2.AuthorizePersonResponse(
                decision=workflow_pb2.AuthorizeResponse(allowed=False, visible=False, reason="No such account.")
            )
        acting = Principal(
            subject=person.user_id,
            username=person.username,
            roles=person.roles,
            branch=person.branch,
            region=person.region,
            membership_number=person.membership_number,
            email=person.email,
            client=caller.client,
        )
        resource = f"{request.resource} (on behalf, by {caller.username})".strip()
        return workflow_pb2.AuthorizePersonResponse(
            username=person.username,
            subject=person.user_id,
            primary_role=acting.primary_role,
            roles=sorted(person.roles),
            branch=person.branch or "",
            region=person.region or "",
            decision=self._decide(acting, request.case_id, request.action, resource),
        )

    def FindCase(
        self, request: workflow_pb2.FindCaseRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.CaseSummary:
        """The case with a reference as people write it; for services routing mail to a case."""
        caller = rpc.authenticate(context, self.validator)
        if not caller.is_service:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Only services may look cases up by reference.")
        reference = request.reference.strip().upper()
        with self.store.engine.connect() as conn:
            found = conn.execute(select(cases.c.id).where(cases.c.reference == reference)).first()
            view = self.store.load(conn, caller, found.id) if found is not None else None
        if view is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "No case has that reference.")
        return view.summary_proto()

    def GetCase(self, request: workflow_pb2.GetCaseRequest, context: grpc.ServicerContext) -> workflow_pb2.CaseSummary:
        caller = rpc.authenticate(context, self.validator)
        with self.store.engine.connect() as conn:
            view = self.store.load(conn, caller, request.case_id)
        if view is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "No case with that id is visible to you.")
        return view.summary_proto()

    def GetScope(self, request: workflow_pb2.GetScopeRequest, context: grpc.ServicerContext) -> workflow_pb2.Scope:
        caller = rpc.authenticate(context, self.validator)
        # One transaction for the scope and its audit record: this call precedes every search.
        with self.store.engine.begin() as conn:
            result = self.store.scope_of(conn, caller)
            audit.record(
                conn,
                caller,
                "search",
                detail={"cases": len(result.case_ids) + len(result.member_case_ids), "branches": list(result.branches)},
            )
        return result

    def ListCaseFacts(
        self, request: workflow_pb2.ListCaseFactsRequest, context: grpc.ServicerContext
    ) -> workflow_pb2.CaseFactsPage:
        caller = rpc.authenticate(context, self.validator)
        if not caller.is_service:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "Only services may list every case's facts.")
        size = min(max(request.page_size, 1), 1000)
        query = select(cases).order_by(cases.c.id).limit(size + 1)
        if request.page_token:
            after = parse_id(request.page_token)
            if after is None:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "page_token is not one this service issued.")
            query = query.where(cases.c.id > after)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        page = rows[:size]
        return workflow_pb2.CaseFactsPage(
            cases=[case_facts(r) for r in page],
            next_page_token=str(page[-1].id) if len(rows) > size else "",
        )


def register(store: Cases, validator: TokenValidator, directory: Directory | None = None):
    def add(server: grpc.Server) -> str:
        workflow_pb2_grpc.add_CaseAuthorityServicer_to_server(CaseAuthority(store, validator, directory), server)
        return workflow_pb2.DESCRIPTOR.services_by_name["CaseAuthority"].full_name

    return add
