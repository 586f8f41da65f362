"""The engine is a pure state machine: importing it pulls in no storage, log, node, API or executor code."""

import json
import subprocess
import sys
from pathlib import Path

import mistral_lite

SHELLS = ("mistral_lite.store", "mistral_lite.log", "mistral_lite.node", "mistral_lite.api", "mistral_lite.executor",
          "mistral_lite.server", "mistral_lite.engine_runner", "mistral_lite.registry", "mistral_lite.scheduler")


def test_engine_modules_import_no_shell():
    engine_dir = Path(mistral_lite.__file__).parent / "engine"
    modules = [f"mistral_lite.engine.{p.stem}" for p in sorted(engine_dir.glob("*.py")) if p.stem != "__init__"]
    code = ("import importlib, json, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mistral_lite'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert "mistral_lite.engine.engine" in loaded
    assert [m for m in loaded if any(m == s or m.startswith(s + ".") for s in SHELLS)] == []
