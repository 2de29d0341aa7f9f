"""Mail that people may turn off: notifications by topic, their preferences and unsubscribe
links. Security mail (verification, reset, new device, second-factor lockout, email change) is
not a topic: it is queued with gateway.mail directly and cannot be turned off."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the preferences and unsubscribe pages and the template helper."""
    from gateway.notifications import services
    from gateway.notifications.views import bp

    app.register_blueprint(bp)
    app.add_template_global(services.preferences_of, "notification_preferences")
