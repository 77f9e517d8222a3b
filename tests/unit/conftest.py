"""Unit tests: this directory is importable, for the helpers the test files share (gotest_captures)."""

import os
import sys

UNIT = os.path.dirname(os.path.abspath(__file__))
if UNIT not in sys.path:
    sys.path.insert(0, UNIT)
