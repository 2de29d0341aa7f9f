"""`/metrics`: request counts by url rule and status, latency, business counters, access."""

from __future__ import annotations

import re

import pytest
from prometheus_client import REGISTRY

from gateway.observability import metrics
from gateway.observability.views import address_allowed


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_requests_counted_by_rule_and_status(client):
    before = _value("zc_http_requests_total", endpoint="/healthz", method="GET", status="200")
    missing = _value("zc_http_requests_total", endpoint="<unmatched>", method="GET", status="404")
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/12345")
    body = _scrape(client)
    assert _value("zc_http_requests_total", endpoint="/healthz", method="GET",
                  status="200") == before + 2
    assert _value("zc_http_requests_total", endpoint="<unmatched>", method="GET",
                  status="404") == missing + 1
    assert "/no/such/page/12345" not in body  # raw paths never become label values
    assert re.search(r'zc_http_request_duration_seconds_bucket\{endpoint="/healthz",'
                     r'le="0.005",method="GET"\} \d', body)


def test_url_rule_not_raw_path_for_routes_with_arguments(client):
    client.get("/avatars/nokey1234/100")
    assert _value("zc_http_requests_total", endpoint="/avatars/<key>/<int:size>", method="GET",
                  status="404") >= 1
    assert "nokey1234" not in _scrape(client)


def test_login_counter_moves(auth, factory):
    factory.user("alice", "alice-password")
    ok = _value("zc_logins_total", result="success")
    bad = _value("zc_logins_total", result="failure")
    assert auth.login("alice", "nope-nope").status_code == 401
    assert auth.login("alice", "alice-password").status_code == 302
    assert _value("zc_logins_total", result="success") == ok + 1
    assert _value("zc_logins_total", result="failure") == bad + 1
    assert 'zc_logins_total{result="success"}' in _scrape(auth.client)


def test_business_helpers():
    before = _value("zc_tokens_issued_total", grant_type="authorization_code", family="legacy")
    metrics.token_issued("authorization_code", "legacy")
    assert _value("zc_tokens_issued_total", grant_type="authorization_code",
                  family="legacy") == before + 1
    with pytest.raises(ValueError):
        metrics.token_issued("authorization_code", "other")
    before = _value("zc_api_calls_total", api="get_user_info", result="ok")
    metrics.api_call("get_user_info", "ok")
    assert _value("zc_api_calls_total", api="get_user_info", result="ok") == before + 1
    before = _value("zc_orders_total", status="paid")
    metrics.order_event("paid")
    assert _value("zc_orders_total", status="paid") == before + 1


def test_metrics_refused_from_other_addresses(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 404
    assert b"zc_http_requests_total" not in response.data


@pytest.mark.parametrize("app_config", [{"ZC_METRICS_ALLOW": "10.1.0.0/16",
                                         "ZC_METRICS_TOKEN": "scrape-token-123"}])
def test_allow_list_and_token(client):
    assert client.get("/metrics").status_code == 404  # loopback no longer listed
    _scrape(client, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    _scrape(client, environ_base={"REMOTE_ADDR": "198.51.100.1"},
            headers={"Authorization": "Bearer scrape-token-123"})
    wrong = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.1"},
                       headers={"Authorization": "Bearer scrape-token-124"})
    assert wrong.status_code == 404


def test_address_allowed():
    spec = "127.0.0.0/8,::1/128"
    assert address_allowed("127.0.0.1", spec) and address_allowed("::1", spec)
    assert address_allowed("::ffff:127.0.0.1", spec)
    assert not address_allowed("10.0.0.1", spec)
    assert not address_allowed("not-an-ip", spec) and not address_allowed(None, spec)
