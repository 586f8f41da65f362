"""A real installed distribution, made on the fly, that registers an action entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

MODULE = '''
import time


class Double:
    """Written for mistral_lib: constructor takes the input, run(context) returns the result."""

    def __init__(self, value):
        self.value = value

    def run(self, context):
        time.sleep(0.05)  # blocking on purpose: it must run in a thread
        return {"doubled": self.value * 2, "execution": context.execution.workflow_execution_id}

    def is_sync(self):
        return True


class Refuse:
    def __init__(self, reason="no"):
        self.reason = reason

    def run(self, context):
        raise RuntimeError(f"refused: {self.reason}")
'''


def make_plugin(site: Path, module: str = "acme_actions") -> Path:
    """Write acme_actions.py and its dist-info with entry points acme.double and acme.refuse."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(MODULE))
    dist = site / f"{module}-1.0.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[mistral_lite.actions]\nacme.double = {module}:Double\nacme.refuse = {module}:Refuse\n"
    )
    return site


MISTRAL_MODULE = '''
from mistral_lib import actions


class ServiceRestart(actions.Action):
    """Restart a service on a host: a plug-in written for Mistral, against mistral_lib."""

    def __init__(self, host, service="nginx"):
        super().__init__()
        self.host = host
        self.service = service

    def run(self, context):
        return {"restarted": self.service, "on": self.host, "execution": context.execution.workflow_execution_id}


class Escalate(actions.Action):
    def __init__(self, reason):
        super().__init__()
        self.reason = reason

    def run(self, context):
        return actions.Result(error=f"escalated: {self.reason}")
'''


def make_mistral_plugin(site: Path, module: str = "ops_actions") -> Path:
    """An installed package as written for Mistral: actions in the `mistral.actions` group (ops.restart,
    ops.escalate) and, as Mistral's own package does, a std.* name pointing at code that is not here."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(MISTRAL_MODULE))
    dist = site / f"{module}-2.0.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 2.0\n")
    (dist / "entry_points.txt").write_text(
        f"[mistral.actions]\nops.restart = {module}:ServiceRestart\nops.escalate = {module}:Escalate\n"
        "std.echo = mistral.actions.std_actions:EchoAction\n"
    )
    return site
