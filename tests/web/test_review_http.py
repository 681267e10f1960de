"""The review page's protections, checked over plain HTTP: sign-in, CSRF, roles, and errors as messages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.storage.ledger_tables import LedgerAllocation, LedgerPayment
from tests.web.conftest import csrf_of, sign_in

PAGES = ["/", "/queue", "/payments/2", "/customers/C-1003", "/approvals"]


def _count_allocations(client: TestClient) -> int:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        return int(session.scalar(select(func.count(LedgerAllocation.id))) or 0)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_asks_for_sign_in_first(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_every_action_needs_a_sign_in(client: TestClient) -> None:
    for path in ["/payments/2/confirm", "/payments/2/allocate", "/allocations/1/undo", "/write-offs", "/logout"]:
        answer = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login")


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(client: TestClient) -> None:
    for _ in range(3):
        assert sign_in(client, "clara", "guess").status_code == 401
    refused = sign_in(client, "clara")  # the right password, but too soon after three failures
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text


def test_the_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    answer = sign_in(client, "clara")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on 127.0.0.1; over https the cookie is marked Secure


def test_the_cookie_is_secure_when_served_over_https(app: object) -> None:
    with TestClient(app, base_url="https://review.example") as https:  # type: ignore[arg-type]
        cookie = sign_in(https, "clara").headers["set-cookie"].lower()
    assert "; secure" in cookie


def test_a_sign_in_form_without_its_csrf_cookie_is_refused(client: TestClient) -> None:
    answer = client.post(
        "/login", data={"username": "clara", "password": "x", "csrf_token": "forged"}, follow_redirects=False
    )
    assert answer.status_code == 403


def test_a_form_without_the_sessions_csrf_token_changes_nothing(client: TestClient) -> None:
    sign_in(client, "clara")
    before = _count_allocations(client)
    for token in ["", "forged-token"]:
        answer = client.post("/payments/3/confirm", data={"rank": "1", "csrf_token": token})
        assert answer.status_code == 403
        assert "did not come from this site" in answer.text
    assert _count_allocations(client) == before


def test_the_same_form_with_the_token_works(client: TestClient) -> None:
    sign_in(client, "clara")
    token = csrf_of(client.get("/payments/3").text)
    answer = client.post("/payments/3/confirm", data={"rank": "1", "csrf_token": token})
    assert answer.status_code == 200
    assert "Suggestion 1 confirmed" in answer.text


def test_an_auditor_sees_every_page_and_can_change_nothing(client: TestClient) -> None:
    sign_in(client, "ada")
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert "Read-only" in page.text
    payment = client.get("/payments/3").text
    assert "Confirm</button>" not in payment and "Allocate</button>" not in payment
    token = csrf_of(payment)  # the sign-out form's token: valid, yet the role may not act
    before = _count_allocations(client)
    for path, data in [
        ("/payments/3/confirm", {"rank": "1"}),
        ("/payments/2/allocate", {"invoice": "INV-26-0301", "amount": "745.20"}),
        ("/payments/6/not-customer", {"reason": "refund"}),
        ("/write-offs", {"invoice_id": "INV-26-0602", "amount": "1.00", "reason": "x"}),
    ]:
        answer = client.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 403, path
        assert "change nothing" in answer.text
    assert _count_allocations(client) == before


def test_a_clerk_cannot_approve_a_write_off(client: TestClient) -> None:
    sign_in(client, "clara")
    token = csrf_of(client.get("/customers/C-1006").text)
    refused = client.post(
        "/write-offs", data={"invoice_id": "INV-26-0602", "amount": "150.00", "reason": "dispute", "csrf_token": token}
    )
    assert "Not written off" in refused.text
    answer = client.post("/approvals/1/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    assert "Only a manager" in answer.text


def test_broken_rules_and_bad_input_are_messages_not_server_errors(client: TestClient) -> None:
    sign_in(client, "clara")
    token = csrf_of(client.get("/payments/2").text)
    over = client.post("/payments/2/allocate", data={"invoice": "INV-26-0301", "amount": "5000", "csrf_token": token})
    assert over.status_code == 200 and "is unapplied" in over.text
    nonsense = client.post(
        "/payments/2/allocate", data={"invoice": "INV-26-0301", "amount": "abc", "csrf_token": token}
    )
    assert nonsense.status_code == 200 and "is not an amount" in nonsense.text
    unknown = client.post("/payments/2/allocate", data={"invoice": "NOPE", "amount": "1", "csrf_token": token})
    assert "no invoice" in unknown.text and "NOPE" in unknown.text
    assert client.get("/payments/99999").status_code == 404
    assert client.get("/queue?min_amount=lots").status_code == 200
    assert client.get("/nowhere").status_code == 404
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(LedgerPayment, 2).status == "unmatched"  # type: ignore[union-attr]


def test_mark_not_a_customer_payment_takes_it_out_of_the_queue(client: TestClient) -> None:
    sign_in(client, "clara")
    token = csrf_of(client.get("/payments/8").text)
    answer = client.post("/payments/8/not-customer", data={"reason": "utility refund", "csrf_token": token})
    assert "marked as not a customer payment" in answer.text
    assert "4 payments" in client.get("/queue").text


def test_signing_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "clara")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_health_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
