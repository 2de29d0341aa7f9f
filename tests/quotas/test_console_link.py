"""The operator console's app page links to that app's quota page."""

from __future__ import annotations

from tests.conftest import Auth


def test_admin_app_page_links_to_its_quotas(client, auth: Auth, factory, world) -> None:
    factory.user("root", is_admin=True)
    auth.login("root")
    quota_url = f"/admin/apps/{world.app.appid}/quotas"
    html = client.get(f"/admin/apps/{world.app.appid}").get_data(as_text=True)
    assert f'href="{quota_url}"' in html
    assert client.get(quota_url).status_code == 200  # the link leads somewhere real


def test_the_link_is_not_shown_to_non_operators(client, auth: Auth, world) -> None:
    auth.login("devon")
    response = client.get(f"/admin/apps/{world.app.appid}")
    assert response.status_code == 403
    assert "/quotas" not in response.get_data(as_text=True)
