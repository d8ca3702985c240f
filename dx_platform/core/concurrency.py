"""No lost update: an object others may change at the same time carries a version, and a change names the
version it was made against.

The check and the write are one step: `claim` moves the version on with a conditional UPDATE
(`… WHERE pk = %s AND version = %s`), inside the transaction of the write. Of two writers who started
from the same version exactly one matches; on PostgreSQL the second waits on the first's row lock and
then finds the version moved, on SQLite the writers queue for the database's lock. The loser's
transaction is rolled back (`Stale`), so nothing of its change is written.

Pages carry the version in a hidden field (`version_field`) and, refused, show the form again with the
other person's change (`refuse_stale`); the API carries it in the ETag (dx_platform/core/api.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import F
from django.http import QueryDict
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dx_platform.core.i18n import join_list

if TYPE_CHECKING:
    from dx_platform.accounts.models import User

# Kept out of the audit log: it records what changed, and these change with every write.
VERSION_FIELDS = ["version", "changed_by", "changed_at"]
# The largest a PositiveIntegerField holds everywhere (PostgreSQL's integer): a larger one is no version.
MAX_VERSION = 2**31 - 1


class Versioned(models.Model):
    """The version of an object, and who made it and when (named to whoever's change it refuses)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class Stale(Exception):
    """Someone saved the object after the version this change was made against; nothing of it was written.

    `current` is the object as it now stands (their change)."""

    def __init__(self, current: Any) -> None:
        self.current = current
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")


def claim(instance: Versioned, *, version: int | None, by: User | None) -> None:
    """Move `instance` on from `version`, the one the change was made against, or raise Stale.

    Call it inside the transaction that writes the change, first: the UPDATE takes the row's lock (and
    SQLite's write lock) before anything is read. `version=None` is a write no one's form started from
    (a service acting on its own reading); it moves the version on all the same, so that the forms open
    elsewhere are refused. A new object (no pk yet) only notes who made it.
    """
    now = timezone.now()
    if instance.pk is not None:
        rows = type(instance)._default_manager.filter(pk=instance.pk)
        matching = rows if version is None else rows.filter(version=version)
        if not matching.update(version=F("version") + 1, changed_by=by, changed_at=now):
            raise Stale(rows.get())
        instance.version = rows.values_list("version", flat=True).get()
    instance.changed_by, instance.changed_at = by, now


# --- pages ---------------------------------------------------------------------------------------


def version_field(form: forms.BaseForm, instance: Versioned) -> None:
    """Give a form that changes `instance` the hidden version it is made against: 0 for one not saved yet,
    which no stored object matches (a form opened before someone else made it is stale)."""
    form.fields["version"] = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=MAX_VERSION,
        initial=instance.version if instance.pk is not None else 0,
    )


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.Manager):
        value = value.all()
    if isinstance(value, list | tuple | set | models.QuerySet):
        return sorted(_comparable(v) for v in value)
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return None if value == "" else value


def _shown(field: forms.Field, value: Any) -> str:
    if isinstance(value, models.Manager):
        value = list(value.all())
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple | set | models.QuerySet):
        return join_list(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if not isinstance(field, forms.ModelChoiceField) and getattr(field, "choices", None):
        return str(dict(field.choices).get(value, value))  # type: ignore[attr-defined]
    if isinstance(value, dt.date | dt.datetime | float | int):
        return str(formats.localize(value))
    return str(value)


def _values(form: forms.BaseForm, current: Any) -> dict[str, Any]:
    return {name: getattr(current, name) for name in form.fields if name != "version" and hasattr(current, name)}


def stale_message(form: forms.BaseForm, exc: Stale, *, values: dict[str, Any] | None = None) -> str:
    """What the other person saved, for the one whose change `form` was: who, when, and the values now
    stored where they differ from the form's (`values` by form field; by default the object's attributes
    of the fields' names)."""
    current = exc.current
    values = _values(form, current) if values is None else values
    cleaned = getattr(form, "cleaned_data", {})
    differing = [
        f"{form.fields[name].label}: {_shown(form.fields[name], value)}"
        for name, value in values.items()
        if name in form.fields and _comparable(value) != _comparable(cleaned.get(name))
    ]
    who = str(current.changed_by) if current.changed_by else _("Someone")
    when = formats.localize(timezone.localtime(current.changed_at)) if current.changed_at else "—"
    message = _("%(who)s saved this at %(when)s, while you were editing; your change was not saved.") % {
        "who": who,
        "when": when,
    }
    if differing:
        message += " " + _("Saved now: %(values)s.") % {"values": "; ".join(differing)}
    return message


def refuse_stale(form: forms.BaseForm, exc: Stale, *, values: dict[str, Any] | None = None) -> None:
    """Show the refused form again, with the other person's change (stale_message) above it. The form takes
    the version now stored: saving it again keeps this person's entries over theirs, knowingly."""
    message = stale_message(form, exc, values=values)
    again = _("Check your entries below and save again to keep them, or reload the page to start from theirs.")
    form.add_error(None, f"{message} {again}")
    data = QueryDict(mutable=True)
    data.update(form.data)
    data[form.add_prefix("version")] = str(exc.current.version)
    form.data = data
