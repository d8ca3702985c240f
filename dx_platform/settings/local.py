"""Local development and the demo: the embedded default (SQLite, in-process tasks, mail to files in var/mail/)."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
VAR_DIR.mkdir(exist_ok=True)
# The demo's staff account signs in with a password only; production keeps TOTP for staff.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)
# Each mail the site sends is a file in var/mail/ and one line in the log (never raw on the console).
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="dx_platform.core.mail.FileEmailBackend")
