"""Workflow's AuthorizePerson and FindCase (the mailroom's questions on behalf of someone who sent
no token) answer service accounts only, and find a person only by a verified address."""

from __future__ import annotations

import uuid

import pytest
import requests

from casework.v1 import workflow_pb2
from casework_common.problems import Problem
from casework_common.workflow_client import WorkflowClient
from harness import Platform, unique_number

ATTACH = workflow_pb2.CASE_ACTION_ATTACH_EVIDENCE


@pytest.fixture(scope="module")
def workflow(platform: Platform) -> WorkflowClient:
    client = WorkflowClient(f"127.0.0.1:{platform.config.ports['workflow_grpc']}", 10)
    yield client
    client.close()


def provisioner_headers(platform: Platform) -> dict[str, str]:
    response = requests.post(
        f"{platform.config.issuer}/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        auth=("casework-provisioner", platform.config.secrets.provisioner_client_secret),
        timeout=10,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_person_is_found_by_a_verified_address_in_any_case(platform: Platform, workflow: WorkflowClient) -> None:
    case = platform.create_case("rachel", unique_number())
    found = workflow.authorize_person(
        platform.service_token(), case["id"], ATTACH, "test", email="RACHEL@Union.Example.org"
    )
    assert found.username == "rachel" and found.primary_role == "rep" and found.branch == "north-london"
    assert found.decision.allowed and found.decision.case.reference == case["reference"]
    # Without a case: who they are, and no decision.
    alone = workflow.authorize_person(platform.service_token(), "", ATTACH, "test", email="carl@union.example.org")
    assert alone.username == "carl" and alone.region == "london" and not alone.decision.visible


def test_an_unverified_or_unknown_address_is_nobody(platform: Platform, workflow: WorkflowClient) -> None:
    username = f"unverified-{uuid.uuid4().hex[:8]}"
    created = requests.post(
        f"{platform.url('idp')}/admin/realms/casework/users",
        json={
            "username": username,
            "enabled": True,
            "email": f"{username}@union.example.org",
            "emailVerified": False,
            "attributes": {"branch": ["north-london"], "region": ["london"]},
        },
        headers=provisioner_headers(platform),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    case = platform.create_case("rachel", unique_number())
    for address in (f"{username}@union.example.org", "nobody-at-all@example.org"):
        answer = workflow.authorize_person(platform.service_token(), case["id"], ATTACH, "test", email=address)
        assert answer.username == "" and not answer.decision.allowed and not answer.decision.visible, address
    # By username the account is found (its address does not matter there).
    assert workflow.authorize_person(platform.service_token(), case["id"], ATTACH, username=username).username


def test_only_services_may_ask(platform: Platform, workflow: WorkflowClient) -> None:
    case = platform.create_case("rachel", unique_number())
    for user in ("rachel", "ada"):
        with pytest.raises(Problem) as refused:
            workflow.authorize_person(platform.token(user), case["id"], ATTACH, email="rachel@union.example.org")
        assert refused.value.status == 403
        with pytest.raises(Problem) as refused:
            workflow.find_case(platform.token(user), case["reference"])
        assert refused.value.status == 403
    found = workflow.find_case(platform.service_token(), f" {case['reference'].lower()} ")
    assert found.case_id == case["id"]
    with pytest.raises(Problem) as missing:
        workflow.find_case(platform.service_token(), "CW-1999-999999")
    assert missing.value.status == 404
