"""Local development: the embedded default (SQLite, in-process tasks, console email)."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
VAR_DIR.mkdir(exist_ok=True)
# The demo's staff account signs in with a password only; production keeps TOTP for staff.
STAFF_MFA_REQUIRED = env.bool("STAFF_MFA_REQUIRED", default=False)
