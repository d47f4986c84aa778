"""The Python SDK is its own distribution (sdk/python, src layout), not installed in the server's
environment: its tests import it from the source tree."""

import sys
from pathlib import Path

SDK_SRC = Path(__file__).resolve().parents[2] / "sdk" / "python" / "src"
if str(SDK_SRC) not in sys.path:
    sys.path.insert(0, str(SDK_SRC))
