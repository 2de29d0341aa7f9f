"""OAuth over plain HTTP on a public host is refused with a clear 400, never a 500."""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import InsecureTransportError


def test_insecure_transport_is_a_clear_400(app, client):
    @app.get("/oauth2/insecure-for-test")
    def insecure():
        raise InsecureTransportError()

    response = client.get("/oauth2/insecure-for-test")
    assert response.status_code == 400
    assert response.get_json()["error"] == "insecure_transport"
