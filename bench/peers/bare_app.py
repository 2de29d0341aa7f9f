"""A bare Flask view: the ceiling of the stack, for `python -m bench --bare`.

One view answers every path and method with a small JSON body the size of a get_user_info
answer, under the same gunicorn workers and threads as the platform: what Flask and gunicorn
cost with nothing of ours on the request path. Bench code only.

    gunicorn -c bench/peers/gunicorn_peer.py -w 2 --threads 4 'bench.peers.bare_app:create_app()'
"""

from __future__ import annotations

from flask import Flask, Response, jsonify

PROFILE = {"ret": 0, "msg": "", "is_lost": 0, "nickname": "bench user", "gender": "男",
           "gender_type": 1, "province": "广东", "city": "深圳", "year": "1990",
           "figureurl": "https://bench.invalid/avatar/30", "figureurl_qq_1": "",
           "figureurl_qq_2": "", "is_yellow_vip": "0", "vip": "0", "level": "0"}


def create_app() -> Flask:
    """The bare app: one view for every URL."""
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def view(path: str) -> Response:
        return jsonify(PROFILE)

    return app
