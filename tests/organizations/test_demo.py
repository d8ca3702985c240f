"""`make demo` says what it did in a line per step, keeps mail out of the console, and ends by saying where
to open the site and whom to sign in as."""

from __future__ import annotations

import io
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from dx_platform.organizations.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


@pytest.fixture
def reference(db):
    call_command("load_reference_data", stdout=io.StringIO())


def test_seed_demo_says_it_in_one_line_and_the_sign_in_lists_every_account(reference, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 1
    sign_in = io.StringIO()
    call_command("seed_demo", "--sign-in", stdout=sign_in)
    first, *accounts = sign_in.getvalue().strip().splitlines()
    assert first == f"Open http://127.0.0.1:8000 and sign in as one of these (password {DEMO_PASSWORD}):"
    assert [line.split()[0] for line in accounts] == [a.email for a in DEMO_ACCOUNTS]
    assert "長野県小布施町" in next(line for line in accounts if line.split()[0] == "editor@chiiki-dx.example")


def test_the_demo_writes_each_mail_to_a_file_and_logs_one_line(tmp_path, caplog, capsys):
    with (
        override_settings(EMAIL_BACKEND="dx_platform.core.mail.FileEmailBackend", EMAIL_FILE_PATH=str(tmp_path)),
        caplog.at_level(logging.INFO, logger="dx_platform.core.mail"),
    ):
        sent = mail.send_mail("[地域DX] 提出のお願い", "本文です。", None, ["editor@chiiki-dx.example"])
    assert sent == 1
    (written,) = tmp_path.glob("*.eml")
    raw = written.read_text()
    assert "To: editor@chiiki-dx.example" in raw and "Content-Type: text/plain" in raw
    (line,) = [r.getMessage() for r in caplog.records if r.name == "dx_platform.core.mail"]
    assert line == f"Mail to editor@chiiki-dx.example: [地域DX] 提出のお願い ({written})"
    # Nothing of the message on the console.
    out, err = capsys.readouterr()
    assert "MIME-Version" not in out + err and "本文" not in out + err


def test_the_demo_settings_send_mail_to_files(settings):
    from dx_platform.settings import local

    assert local.EMAIL_BACKEND == "dx_platform.core.mail.FileEmailBackend"
    assert local.EMAIL_FILE_PATH.endswith("var/mail")  # from base, where the other settings can see it
