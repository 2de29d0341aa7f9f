"""Browser forms of the portal and the console (Flask-WTF: CSRF on every POST form)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from gateway.developers.models import KEY_SCOPES
from gateway.developers.review import REQUESTABLE
from gateway.developers.services import CATEGORIES
from gateway.forms import Form
from gateway.i18n import _, _l
from gateway.labels import LABELS

MAX_STATS_DAYS = 366
# Deliberately loose: one @, a dot in the domain, no spaces; the mailbox proves the rest.
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ProfileForm(Form):
    name = StringField(_l("Your name or company"), validators=[DataRequired(), Length(max=128)])
    contact_email = StringField(_l("Contact email"), validators=[
        DataRequired(), Length(max=254),
        Regexp(EMAIL, message=_l("Give an email address we can reach you at."))])
    accept_terms = BooleanField(_l("I accept the ZoneConnect developer terms"), validators=[
        DataRequired(_l("Accept the terms to open a developer profile."))])


class AppForm(Form):
    name = StringField(_l("App name"), validators=[DataRequired(), Length(max=64)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    category = SelectField(_l("Category"),
                           choices=[SelectChoice(c, _l(LABELS[c])) for c in CATEGORIES])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=512),
                                                 URL(message=_l("Give the full http(s) URL."))])
    app_type = SelectField(_l("Type"), choices=[
        SelectChoice("web", _l("Web site (confidential client)")),
        SelectChoice("mobile", _l("Mobile app (public client, PKCE)")),
        SelectChoice("native", _l("Desktop app (public client, PKCE)"))])
    redirect_uris = TextAreaField(_l("Redirect URIs (one per line)"),
                                  validators=[DataRequired(), Length(max=20000)])
    webhook_url = StringField(_l("Webhook URL"), validators=[Optional(), Length(max=512), URL()])
    deauthorize_url = StringField(_l("Deauthorization URL"),
                                  validators=[Optional(), Length(max=512), URL()])
    post_logout_redirect_uris = TextAreaField(
        _l("Post-logout redirect URIs (one per line)"),
        validators=[Optional(), Length(max=20000)])
    backchannel_logout_uri = StringField(_l("Back-channel logout URL"),
                                         validators=[Optional(), Length(max=512), URL()])
    backchannel_logout_session_required = BooleanField(
        _l("Logout tokens must carry the session id (sid)"))
    frontchannel_logout_uri = StringField(_l("Front-channel logout URL"),
                                          validators=[Optional(), Length(max=512), URL()])
    frontchannel_logout_session_required = BooleanField(
        _l("Add iss and sid to the front-channel logout URL"))
    access_token_format = SelectField(_l("Access token format"), choices=[
        SelectChoice("opaque", _l("Opaque (checked by the platform)")),
        SelectChoice("jwt", _l("JWT (RFC 9068, signed by the platform, still revocable)"))],
        default="opaque")
    token_exchange_enabled = BooleanField(
        _l("Token exchange with my other apps (RFC 8693)"))
    require_par = BooleanField(_l("Require pushed authorization requests (PAR): refuse "
                                  "authorization requests sent in the browser's URL"))
    require_dpop = BooleanField(_l("Require DPoP (sender-constrained tokens)"))
    test_users = TextAreaField(_l("Test users (usernames, one per line)"),
                               validators=[Optional(), Length(max=5000)])

    def uri_list(self) -> list[str]:
        return (self.redirect_uris.data or "").splitlines()

    def logout_settings(self) -> dict[str, object]:
        """The single-logout settings other than the URI lists and the back-channel URL."""
        return {"backchannel_logout_session_required":
                bool(self.backchannel_logout_session_required.data),
                "frontchannel_logout_uri": self.frontchannel_logout_uri.data or "",
                "frontchannel_logout_session_required":
                bool(self.frontchannel_logout_session_required.data)}

    def post_logout_list(self) -> list[str]:
        return (self.post_logout_redirect_uris.data or "").splitlines()

    def test_user_list(self) -> list[str]:
        return (self.test_users.data or "").split()



class IconForm(Form):
    icon = FileField(_l("Icon"), validators=[FileRequired(_l("Choose an image to upload."))])


class ConfirmForm(Form):
    """A button that needs nothing but its CSRF token (rotate, submit, revoke...)."""


class PermissionForm(Form):
    scope = SelectField(_l("Permission"), choices=[SelectChoice(s, s) for s in REQUESTABLE])
    reason = TextAreaField(_l("Why the app needs it"),
                           validators=[DataRequired(), Length(max=1000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason (shown to the developer)"),
                           validators=[DataRequired(_l("Give the developer a reason.")),
                                       Length(max=2000)])


class ApiKeyForm(Form):
    name = StringField(_l("Key name"), validators=[DataRequired(), Length(max=64)])
    scope = SelectField(_l("Access"), choices=[SelectChoice(s, _l(LABELS[s]))
                                           for s in KEY_SCOPES])


class DateRangeForm(Form):
    """The stats range (a GET form: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_range(self, today: date) -> bool:
        """Validate the fields and the range they make (defaults filled in)."""
        if not self.validate():
            return False
        start, end = self.span(today)
        if end < start:
            self.end.errors = [_("The end date is before the start date.")]
        elif (end - start).days >= MAX_STATS_DAYS:
            self.end.errors = [_("Choose at most %(n)s days.", n=MAX_STATS_DAYS)]
        return not self.end.errors

    def span(self, today: date) -> tuple[date, date]:
        """The chosen range, defaulting to the last 30 days."""
        end = self.end.data or today
        start = self.start.data or end - timedelta(days=29)
        return start, end


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor username"), validators=[Optional(), Length(max=32)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])


class DeleteAppForm(Form):
    """Deleting an app asks for its name, typed again."""

    confirm_name = StringField(_l("Type the app's name to confirm"),
                               validators=[DataRequired(), Length(max=64)])


class AccountSearchForm(Form):
    """Find accounts by username or email (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Username or email"), validators=[Optional(), Length(max=254)])


class HoldForm(Form):
    """Deactivate or ban an account: the reason is kept in the audit log."""

    reason = TextAreaField(_l("Reason (kept in the audit log)"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])


class ResolveOpenidForm(Form):
    """Whose is an app's openid: asked while handling abuse, audited with the reason."""

    openid = StringField(_l("openid"), validators=[
        DataRequired(), Regexp(r"^\s*[0-9A-Fa-f]{32}\s*$",
                               message=_l("An openid is 32 hexadecimal characters."))])
    reason = TextAreaField(_l("Why you look it up (kept in the audit log)"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=2000)])
