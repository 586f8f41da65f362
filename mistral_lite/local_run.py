"""`mistral-lite run FILE.yaml`: run one workflow in-process on a temporary database.

For edge sites, labs and quick checks: no server, no port. Task progress
goes to standard error as it happens; the output (JSON) to standard output.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from typing import Any, TextIO

from mistral_lite.config import Config
from mistral_lite.engine import states
from mistral_lite.engine_runner import EngineRunner
from mistral_lite.errors import InvalidInput, MistralLiteError
from mistral_lite.executor import ActionLimits, Executor
from mistral_lite.expr import configure_limits
from mistral_lite.lang.errors import DslError
from mistral_lite.log.entry import Entry
from mistral_lite.node import Node
from mistral_lite.registry import actions as action_registry
from mistral_lite.registry import workflows as workflow_registry
from mistral_lite.store import queries
from mistral_lite.store.apply import ApplyResult


class Progress:
    """Prints each task's state changes of the committed entries, and notices the end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.names: dict[str, str] = {}
        self.root: str | None = None
        self.finished: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def __call__(self, index: int, entry: Entry, result: ApplyResult) -> None:
        for command in entry.commands:
            table, values = command["table"], command.get("row") or command.get("set") or {}
            row_id = command.get("id") or values.get("id")
            if table == "action_executions" and command["op"] == "insert" and values.get("is_sync") is False:
                task = self.names.get(values.get("task_execution_id"), values.get("task_execution_id"))
                print(f"  waiting   {task}: {values['name']} is asynchronous; its result must be sent over the "
                      "REST API, which `mistral-lite run` does not serve (Ctrl-C to stop)", file=self.out)
            if table == "task_executions":
                if "name" in values:
                    self.names[row_id] = values["name"]
                if "state" in values:
                    info = f"  {values['state_info']}" if values.get("state_info") else ""
                    print(f"  {values['state']:<9} {self.names.get(row_id, row_id)}{info}", file=self.out)
            elif table == "workflow_executions" and row_id == self.root and states.is_completed(values.get("state", "")):
                if not self.finished.done():
                    self.finished.set_result(values["state"])


async def run_file(text: str, workflow: str | None, wf_input: dict[str, Any], out: TextIO, err: TextIO,
                   timeout: float | None = None, action_text: str | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="mistral-lite-run-") as data_dir:
        config = Config(data_dir=data_dir, log_level="warning")
        configure_limits(timeout=config.expression_timeout, max_size=config.expression_max_size)
        node = Node.open(config)
        executor = Executor(limits=ActionLimits.of(node.config))
        runner = EngineRunner(node, executor)
        progress = Progress(err)
        node.log.add_listener(progress)
        try:
            await runner.start()
            if action_text:
                await action_registry.create(node, action_text)
            rows = await workflow_registry.create(node, text)
            names = [r["name"] for r in rows]
            name = workflow or names[0]
            if name not in names:
                raise InvalidInput(f"workflow '{name}' is not in the file; it has: {', '.join(names)}")
            definition = next(r for r in rows if r["name"] == name)
            progress.root = node.new_id()
            print(f"workflow {name} [execution {progress.root}]", file=err)
            await runner.start_workflow(progress.root, definition["id"], wf_input, {})
            state = await asyncio.wait_for(progress.finished, timeout)
            execution = await node.read(queries.get_row, "workflow_executions", progress.root)
            print(f"{state}" + (f": {execution['state_info']}" if execution.get("state_info") else ""), file=err)
            print(json.dumps(execution.get("output") or {}, indent=2, sort_keys=True), file=out)
            return 0 if state == states.SUCCESS else 1
        except (DslError, MistralLiteError) as e:
            print(f"mistral-lite: {e}", file=err)
            return 2
        except asyncio.TimeoutError:
            print(f"mistral-lite: the workflow did not finish within {timeout} s", file=err)
            return 3
        except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels us, then raises KeyboardInterrupt
            print(f"mistral-lite: interrupted; execution {progress.root} did not finish", file=err)
            raise
        finally:
            await runner.stop()
            await executor.close()
            await node.close()


def main(path: str, workflow: str | None, input_json: str | None, timeout: float | None,
         actions_path: str | None = None) -> int:
    try:
        text = open(path, encoding="utf-8").read()
        action_text = open(actions_path, encoding="utf-8").read() if actions_path else None
    except OSError as e:
        print(f"mistral-lite: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        wf_input = json.loads(input_json) if input_json else {}
    except ValueError as e:
        print(f"mistral-lite: --input is not valid JSON: {e}", file=sys.stderr)
        return 2
    if not isinstance(wf_input, dict):
        print("mistral-lite: --input must be a JSON object", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run_file(text, workflow, wf_input, sys.stdout, sys.stderr, timeout, action_text))
    except KeyboardInterrupt:
        return 130
