"""The guarded outbound client: which addresses it refuses, and that it refuses at connect time."""

from __future__ import annotations

import pytest

from gateway import outbound
from gateway.outbound import Client, Guard, parse_allow_list

PUBLIC = "93.184.216.34"

LOOPBACK_SPELLINGS = ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "[::1]",
                      "0.0.0.0", "[::]", "localhost", "api.localhost", "[::ffff:127.0.0.1]",
                      "[::ffff:7f00:1]"]
INTERNAL = ["10.0.0.1", "172.16.3.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "100.100.100.200", "224.0.0.1", "[ff02::1]", "[fe80::1]", "[fd00:ec2::254]",
            "[fc00::1]", "[2002:7f00:1::]", "[64:ff9b::7f00:1]", "255.255.255.255"]


def resolver(table: dict[str, list[str]]) -> outbound.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]
    return resolve


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + INTERNAL)
def test_internal_addresses_in_every_spelling_are_refused(host: str) -> None:
    guard = Guard(resolver=resolver({}))
    with pytest.raises(outbound.AddressNotAllowed):
        guard.vetted_addresses(host.strip("[]") if host.startswith("[") else host, 80)


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + INTERNAL)
def test_registration_refuses_them(app, host: str) -> None:
    with app.test_request_context():
        problem = outbound.url_problem(f"http://{host}:22/hook")
    assert problem and "not allowed" in problem


def test_a_name_is_refused_when_any_of_its_addresses_is_internal() -> None:
    guard = Guard(resolver=resolver({"mixed.example": [PUBLIC, "10.1.2.3"],
                                     "ok.example": [PUBLIC, "2606:2800:220:1::1"]}))
    with pytest.raises(outbound.AddressNotAllowed):
        guard.vetted_addresses("mixed.example", 443)
    assert guard.vetted_addresses("ok.example", 443) == [PUBLIC, "2606:2800:220:1::1"]


def test_public_hosts_and_unresolvable_names_are_accepted_at_registration(app) -> None:
    outbound.client().guard.resolver = resolver({"hooks.example": [PUBLIC]})
    with app.test_request_context():
        assert outbound.url_problem("https://hooks.example/zc") is None
        assert outbound.url_problem(f"https://{PUBLIC}/zc") is None
        # Not resolvable now: accepted, and checked again at every connection.
        assert outbound.url_problem("https://later.example/zc") is None
        assert "user name" in (outbound.url_problem("https://u:p@hooks.example/") or "")
        assert outbound.url_problem("ftp://hooks.example/") is not None
        assert outbound.url_problem("https://[::1/") is not None


def test_operator_allow_list_names_hosts_and_networks_but_never_metadata() -> None:
    hosts, networks = parse_allow_list("Hooks.Corp.Example., 10.20.0.0/16 ,169.254.0.0/16")
    guard = Guard(hosts, networks, resolver({"hooks.corp.example": ["10.9.9.9"],
                                             "other.corp.example": ["10.9.9.9"]}))
    assert guard.vetted_addresses("hooks.corp.example", 443) == ["10.9.9.9"]
    assert guard.vetted_addresses("10.20.3.4", 443) == ["10.20.3.4"]
    for host in ("other.corp.example", "10.21.0.1", "169.254.169.254", "127.0.0.1"):
        with pytest.raises(outbound.AddressNotAllowed):
            guard.vetted_addresses(host, 443)
    assert guard.vetted_addresses("169.254.1.1", 443) == ["169.254.1.1"]


def test_the_loopback_switch_allows_loopback_only() -> None:
    client = Client.from_config({"ZC_OUTBOUND_ALLOW_LOOPBACK": True})
    assert client.guard.vetted_addresses("127.0.0.1", 80) == ["127.0.0.1"]
    assert client.guard.vetted_addresses("localhost", 80) == ["127.0.0.1"]
    for host in ("10.0.0.1", "169.254.169.254", "0.0.0.0"):
        with pytest.raises(outbound.AddressNotAllowed):
            client.guard.vetted_addresses(host, 80)
    assert Client.from_config({}).guard.allow_networks == ()


def test_production_refuses_to_start_with_loopback_allowed(tmp_path) -> None:
    from gateway.config import ConfigError, build
    from tests.security.test_production_refusals import PRODUCTION

    with pytest.raises(ConfigError, match="ZC_OUTBOUND_ALLOW_LOOPBACK"):
        build(str(tmp_path), {**PRODUCTION, "ZC_OUTBOUND_ALLOW_LOOPBACK": True}, environ={})
    assert build(str(tmp_path), {"ZC_ENV": "development", "ZC_OUTBOUND_ALLOW_LOOPBACK": True},
                 environ={})["ZC_OUTBOUND_ALLOW_LOOPBACK"] is True
