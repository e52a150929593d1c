"""python -m golive_lib.docs [--check]: regenerate (or check) the generated reference docs."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
