"""The held-out understanding evaluation set (bench/data/understanding, written apart from
any training corpus) stays well formed: every line parses, labels and slots are valid, and
each language and intent keeps at least 40 turns."""

import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).resolve().parent.parent / "bench/data/understanding/check.py"


def test_the_held_out_set_is_well_formed() -> None:
    result = subprocess.run(
        [sys.executable, str(CHECK)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.rstrip().endswith("OK")
