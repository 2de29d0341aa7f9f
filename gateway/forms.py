"""The one reader of submitted form data, and the base class of every browser form.

A form may arrive urlencoded, as multipart or as a JSON object (Flask-WTF accepts all three, and
so does the login throttle): `submitted()` turns each into the same text fields and file parts,
so the throttle counts exactly the identity the form then checks. A file part sent for a text
field, or a JSON value that is not text (an object, a nested list), never reaches a field: the
form fails validation with a clear error (the views answer 400), instead of a validator crashing
on a FileStorage or a dict (a 500).

Low level: imports no domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request
from flask_babel import get_translations
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage, MultiDict

from gateway.i18n import N_, NP_, _

# WTForms' built-in messages that the platform's forms can show (validators and field types in
# use): listed so `make translations` extracts them; `Form.Meta` answers WTForms from the catalog.
BUILTIN_MESSAGES = (
    N_("This field is required."), N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."), N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."), N_("Invalid input."),
    N_("Invalid email address."), N_("Invalid URL."), N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."), N_("Not a valid integer value."),
    N_("Not a valid date value."), N_("Not a valid decimal value."),
    N_("Not a valid float value."), N_("Not a valid datetime value."),
    N_("Invalid CSRF Token."), N_("CSRF token missing."), N_("CSRF failed."),
    N_("CSRF token expired."),
)
BUILTIN_PLURALS = (
    NP_("Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long."),
    NP_("Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters."),
    NP_("Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long."),
)

SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_AUTO = object()


@dataclass
class Submitted:
    """A submission as text fields and file parts; `malformed`: fields sent in a wrong shape."""

    text: MultiDict[str, str] = field(default_factory=MultiDict)
    files: MultiDict[str, FileStorage] = field(default_factory=MultiDict)
    malformed: set[str] = field(default_factory=set)


def _json_text(body: Any) -> Submitted:
    found = Submitted()
    if not isinstance(body, dict):
        found.malformed.add("")
        return found
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str):
                found.text.add(str(name), item)
            elif isinstance(item, bool):
                found.text.add(str(name), "y" if item else "")
            elif isinstance(item, int | float):
                found.text.add(str(name), str(item))
            else:  # an object, a nested list, null: not a form value
                found.malformed.add(str(name))
    return found


def submitted() -> Submitted:
    """This request's submitted fields, whatever the body's encoding (parsed once per request)."""
    cached = getattr(request, "_zc_submitted", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        found = Submitted(MultiDict(request.form.items(multi=True)),
                          MultiDict(request.files.items(multi=True)))
    elif request.is_json:
        # The app's JSON provider applies the size and depth limits; a bad body is no fields.
        found = _json_text(request.get_json(silent=True))
    else:
        found = Submitted()
    request._zc_submitted = found  # type: ignore[attr-defined]
    return found


def submitted_text(name: str) -> str:
    """One text field of the submission ("" when absent or not text): e.g. the login identity."""
    value = submitted().text.get(name, "")
    return value if isinstance(value, str) else ""


class _CatalogTranslations:
    """What WTForms asks for (gettext, ngettext), answered from the platform's catalog, so
    "This field is required." reads 此项为必填项。 in Chinese."""

    # The raw catalog: WTForms fills in its own %(min)d and %(max)d afterwards.
    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


class Form(FlaskForm):
    """FlaskForm fed by `submitted()`: text fields get text only, file fields file parts only;
    WTForms' own messages in the reader's language."""

    class Meta:
        def get_translations(self, form: Any) -> _CatalogTranslations:
            return _CatalogTranslations()

    def __init__(self, formdata: Any = _AUTO, **kwargs: Any) -> None:
        self._wrong_shape: set[str] = set()
        if formdata is _AUTO:
            formdata = self._formdata() if request.method in SUBMIT_METHODS else None
        super().__init__(formdata=formdata, **kwargs)

    def _formdata(self) -> MultiDict[str, Any] | None:
        found = submitted()
        file_fields = {name for name, unbound in self._unbound_fields  # type: ignore[attr-defined]
                       if issubclass(unbound.field_class, FileField)}
        data: MultiDict[str, Any] = MultiDict()
        for name, value in found.text.items(multi=True):
            if name in file_fields:
                self._wrong_shape.add(name)
            else:
                data.add(name, value)
        for name, part in found.files.items(multi=True):
            if name in file_fields:
                data.add(name, part)
            else:
                self._wrong_shape.add(name)  # a file part for a text field
        self._wrong_shape |= found.malformed
        return data

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields' own checks, and none of them sent in the wrong shape."""
        ok = super().validate(extra_validators)
        for name in sorted(self._wrong_shape):
            target = self._fields.get(name)
            if target is None:
                ok = False  # a malformed body, or an unknown field sent as a file
                continue
            target.errors = [*target.errors, _("Send this field as text, not a file or object.")
                             if not isinstance(target, FileField) else _("Choose a file.")]
            ok = False
        return ok
