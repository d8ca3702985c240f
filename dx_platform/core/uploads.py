"""Uploaded documents checked by their content, not by the name or the type the browser claims."""

from __future__ import annotations

from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# settings.UPLOAD_LIMITS["document"] (UPLOAD_DOCUMENT_MAX_MB) as the site started; checks read the settings.
MAX_DOCUMENT_BYTES: int = settings.UPLOAD_LIMITS["document"]["max_bytes"]


def document_max_bytes() -> int:
    return int(settings.UPLOAD_LIMITS["document"]["max_bytes"])


def document_limit_mb() -> int:
    """The limit in whole megabytes, as the forms say it."""
    return document_max_bytes() // 2**20


# What a municipality attaches as evidence or shares in a kit: PDF, images and office documents.
# Each detected type with the file name endings that may carry it.
DOCUMENT_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
}


def document_check(
    upload: UploadedFile, *, types: dict[str, tuple[str, ...]] = DOCUMENT_TYPES, max_bytes: int | None = None
) -> str:
    """The file's content type, if it is one of `types`, its name ends as that type's do and it is small enough."""
    name = upload.name or ""
    max_bytes = document_max_bytes() if max_bytes is None else max_bytes
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("%(name)s is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
        )
    upload.seek(0)
    # The signatures sit in the first few kilobytes (office documents' zip entries included).
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    allowed = {e for endings in types.values() for e in endings}
    suffix = PurePath(name).suffix.lower()
    if (kind is None or kind.mime not in types) and suffix in allowed:
        # The name is of an accepted type but the content is not (or is another): say so, rather than
        # listing the ending the name already has among the accepted ones.
        raise ValidationError(
            _("%(name)s: the content is not %(type)s."),
            code="bad_content",
            params={"name": name, "type": suffix.removeprefix(".").upper()},
        )
    if kind is None or kind.mime not in types:
        raise ValidationError(
            _("%(name)s is not a file of an accepted type (%(types)s)."),
            code="bad_type",
            params={"name": name, "types": ", ".join(sorted(allowed))},
        )
    if suffix not in types[kind.mime]:
        raise ValidationError(
            _("%(name)s holds a %(ending)s file: its name must end in %(ending)s."),
            code="bad_name",
            params={"name": name, "ending": types[kind.mime][0]},
        )
    return str(kind.mime)
