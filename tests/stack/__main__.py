"""`python -m tests.stack` (make stack): start the stack, drive it, print the figures, tear it down."""

import sys

from .runner import main

sys.exit(main())
