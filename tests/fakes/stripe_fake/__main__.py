"""`python -m tests.fakes.stripe_fake --port 12111 [--webhook-url URL --webhook-secret S]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from werkzeug.serving import make_server

from tests.fakes.stripe_fake.app import create_fake_stripe_app, get_state


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.stripe_fake",
                                     description="Serve a local fake of the Stripe API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="where to POST signed events")
    parser.add_argument("--webhook-secret", help="signing secret (default: a new whsec_...)")
    parser.add_argument("--delivery", choices=("background", "sync"), default="background")
    parser.add_argument("--api-key", help="accept only this key (default: any sk_test_...)")
    parser.add_argument("--public-url", help="base URL for the links the fake hands out")
    parser.add_argument("--fee-percent", type=float, default=0.0)
    parser.add_argument("--fee-fixed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    app = create_fake_stripe_app(
        webhook_url=args.webhook_url, webhook_secret=args.webhook_secret,
        delivery=args.delivery, api_key=args.api_key, public_url=args.public_url,
        fee_percent=args.fee_percent, fee_fixed=args.fee_fixed)
    server = make_server(args.host, args.port, app, threaded=True)
    fake = get_state(app)
    print(f"Fake Stripe API on http://{args.host}:{server.server_port} (STRIPE_API_BASE)",
          flush=True)
    if fake.webhooks.url:
        print(f"Webhooks to {fake.webhooks.url}, secret {fake.webhooks.secret}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        fake.webhooks.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
