"""Test settings: fast hashing, in-memory email, tasks in-process unless a test starts a worker."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import VAR_DIR

VAR_DIR.mkdir(exist_ok=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Tests of staff powers sign in without TOTP; tests of the staff TOTP rule turn it on.
STAFF_MFA_REQUIRED = False
# Uploads made by tests go to a throw-away folder, not to the developer's var/media.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="chiiki-dx-test-media-"))
