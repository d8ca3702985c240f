"""The demo's and local development's mail: each message to a file under var/mail/, one short line in the log."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from email.header import decode_header, make_header
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger(__name__)


class FileEmailBackend(BaseEmailBackend):
    """Writes every message whole (headers and body, as a mail server would get it) to EMAIL_FILE_PATH as
    `<date-time>-<random>.eml`, and logs who it is for and its subject: nothing raw on the console."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            path = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
            subject = str(make_header(decode_header(str(message.subject))))
            logger.info("Mail to %s: %s (%s)", ", ".join(message.recipients()), subject, path)
            sent += 1
        return sent
