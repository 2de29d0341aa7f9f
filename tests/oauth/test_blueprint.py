"""gateway/oauth/blueprint.py lists every OAuth URL: nothing registers one anywhere else."""

from __future__ import annotations

from flask import Flask

from gateway.oauth.blueprint import URLS


def test_every_oauth_url_is_in_the_one_list(app: Flask) -> None:
    served = {(rule.rule, rule.endpoint) for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in {"oauth", "oauth_legacy"}}
    assert served == {(url.rule, url.endpoint) for url in URLS}


def test_the_list_says_which_urls_take_cross_site_posts(app: Flask, client) -> None:
    exempt = {url.rule for url in URLS if url.csrf_exempt}
    assert "/oauth2/token" in exempt and "/oauth2.0/token" in exempt
    assert "/device" not in exempt and "/oauth2.0/authorize" not in exempt
    # /oauth2/authorize takes apps' POSTed requests (OIDC Core §3.1.2.1), but a consent POST
    # without the page's CSRF token is refused, not served.
    refused = client.post("/oauth2/authorize", data={"confirm": "yes"})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
