"""The wagtail-lms peer's throwaway environment: ``bench/.peer/venv`` (ignored by git).

Made on first use with ``python -m venv`` and ``pip install -r
bench/peer/requirements.txt`` (through the same pip configuration as the
project's), and made again when that file changes. Nothing of it goes into the
project's ``.venv``: wagtail-lms and dj-learning never share a process.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PEER_DIR = BENCH_DIR / "peer"  # the peer site's code, committed
VENV = BENCH_DIR / ".peer" / "venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = PEER_DIR / "requirements.txt"
STAMP = VENV / ".requirements-sha256"


def python():
    """The peer environment's interpreter, after making the environment if needed."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return str(PYTHON)
    print(f"   (installing {REQUIREMENTS.relative_to(BENCH_DIR.parent)} into {VENV})", flush=True)
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True
    )
    STAMP.write_text(wanted)
    return str(PYTHON)


def versions():
    """``{distribution: version}`` of what the comparison depends on in the peer env."""
    script = (
        "import json; from importlib import metadata as m; "
        "print(json.dumps({d: m.version(d) for d in ('wagtail-lms', 'Django', 'wagtail')}))"
    )
    out = subprocess.run([python(), "-c", script], check=True, capture_output=True, text=True)
    import json

    return json.loads(out.stdout)
