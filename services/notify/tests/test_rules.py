"""Who hears about new evidence (rule logic with an in-memory case lookup)."""

from dataclasses import dataclass

from casework.v1 import events_pb2, workflow_pb2
from casework_notify.rules import RULES, RuleContext


@dataclass
class Cases:
    case: workflow_pb2.CaseSummary

    def get_case(self, token: str, case_id: str) -> workflow_pb2.CaseSummary:
        return self.case


class Tokens:
    def token(self) -> str:
        return "service-token"


def test_assigned_reps_except_the_uploader_are_told_with_a_link() -> None:
    case = workflow_pb2.CaseSummary(case_id="c1", reference="CW-2026-000001", reps=["rachel", "raj"])
    context = RuleContext(Cases(case), Tokens(), "https://portal.example.org")  # type: ignore[arg-type]
    uploaded = events_pb2.EvidenceUploaded(
        evidence=events_pb2.EvidenceRef(case_id="c1", filename="secret.pdf"), uploaded_by="raj", uploaded_by_role="rep"
    )
    notifications = RULES[events_pb2.EvidenceUploaded](uploaded, context)
    assert [n.recipient for n in notifications] == ["rachel"]
    assert notifications[0].link == "https://portal.example.org/cases/c1"
    assert "secret.pdf" not in repr(notifications[0])
