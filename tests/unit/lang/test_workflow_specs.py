"""What a parsed workflow means: spec objects, defaults, graph checks, located errors."""

import pytest

from mistral_lite.lang.documents import parse_actions, parse_workbook, parse_workflows, workflow_spec
from mistral_lite.lang.errors import DslError
from mistral_lite.lang.specs import Retry, Target


def one(text: str):
    [source] = parse_workflows(text)
    return source.spec


def error(text: str, parse=parse_workflows) -> DslError:
    with pytest.raises(DslError) as e:
        parse(text)
    return e.value


DIRECT = """\
version: '2.0'
deploy:
  input:
    - host
    - port: 22
    - opts: {a: 1}
  output:
    url: <% $.url %>
  task-defaults:
    on-error: [cleanup]
    timeout: 60
    retry: {count: 2, delay: 5}
  tasks:
    prepare:
      action: std.echo output="<% $.host %>"
      timeout: 0
      publish:
        url: http://<% $.host %>:<% $.port %>
      on-success:
        - install: <% $.url != null %>
        - fail msg="no url": <% $.url = null %>
    install:
      workflow: install_one host=<% $.host %>
      retry: count=5 delay=1 break-on=<% $.fatal %>
      on-complete:
        publish:
          branch: {installed: true}
          global: {seen: 1}
        next: [verify]
    verify:
      with-items:
        - probe in <% [1, 2] %>
        - name in ["a", "b"]
      concurrency: 2
      action: std.noop
    cleanup:
      action: std.noop
install_one:
  input: [host]
  tasks:
    go: {}
"""


def test_direct_workflow_spec():
    spec = one_of(DIRECT, "deploy")
    assert [p.name for p in spec.input] == ["host", "port", "opts"]
    assert spec.input[1].default == 22 and spec.input[2].default == {"a": 1}
    assert spec.start_tasks() == ["prepare"]
    prepare = spec.tasks["prepare"]
    assert prepare.action == "std.echo" and prepare.input == {"output": "<% $.host %>"}
    assert prepare.on_success.targets == (
        Target("install", "<% $.url != null %>"),
        Target("fail", "<% $.url = null %>", {"msg": "no url"}),
    )
    # task-defaults: timeout 0 on the task counts as unset, as in Mistral
    assert prepare.policies.timeout == 60
    assert prepare.policies.retry == Retry(2, 5)
    install = spec.tasks["install"]
    assert install.workflow == "install_one" and install.kind == "WORKFLOW"
    assert install.policies.retry == Retry(5, 1, "<% $.fatal %>")
    assert install.on_complete.publish_global == {"seen": 1}
    assert install.on_complete.task_names() == ["verify"]
    verify = spec.tasks["verify"]
    assert verify.with_items.items == (("probe", "<% [1, 2] %>"), ("name", ["a", "b"]))
    assert verify.policies.concurrency == 2
    assert verify.action_name == "std.noop"


def one_of(text, name):
    return {s.name: s.spec for s in parse_workflows(text)}[name]


def test_default_clause_never_targets_the_task_itself():
    spec = one_of(DIRECT, "deploy")
    assert spec.tasks["cleanup"].on_error is None
    assert spec.tasks["verify"].on_error.task_names() == ["cleanup"]
    # default clauses are real edges: cleanup is not a start task
    assert "cleanup" not in spec.start_tasks()


def test_stored_raw_rebuilds_the_same_spec():
    [deploy, _] = parse_workflows(DIRECT)
    assert workflow_spec("deploy", deploy.raw) == deploy.spec


def test_reverse_workflow():
    spec = one("""\
version: '2.0'
build:
  type: reverse
  task-defaults:
    requires: [fetch]
  tasks:
    fetch: {action: std.noop}
    compile: {action: std.noop, requires: fetch}
    package: {action: std.noop, requires: [compile]}
""")
    assert spec.type == "reverse"
    assert spec.tasks["fetch"].requires == ()
    assert spec.tasks["package"].requires == ("compile", "fetch")


def test_join_forms_and_inbound():
    spec = one("""\
version: '2.0'
wf:
  tasks:
    a: {on-success: [m, n]}
    b: {on-error: [m, n]}
    c: {on-complete: [m]}
    m: {join: all}
    n: {join: one}
""")
    assert spec.inbound("m") == ["a", "b", "c"]
    assert spec.tasks["m"].join == "all" and spec.tasks["n"].join == 1


@pytest.mark.parametrize("text, where, fragment", [
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      on-success: [b]\n",
     {"workflow": "wf", "task": "a", "key": "on-success"}, "Task 'b' not found."),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      acton: std.noop\n",
     {"workflow": "wf", "task": "a", "key": "acton"}, "unknown key 'acton'"),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      action: std.noop\n      workflow: x\n",
     {"workflow": "wf", "task": "a", "key": "workflow"}, "can't be specified both"),
    ("version: '2.0'\nwf:\n  tasks:\n    a: {on-success: [b]}\n    b: {join: 2}\n",
     {"workflow": "wf", "task": "b", "key": "join"}, "Not enough inbound tasks"),
    ("version: '2.0'\nwf:\n  tasks:\n    a: {}\n    b: {join: all}\n",
     {"workflow": "wf", "task": "b", "key": "join"}, "No inbound tasks"),
    ("version: '2.0'\nwf:\n  type: reverse\n  tasks:\n    a: {requires: [b]}\n    b: {requires: a}\n",
     {"workflow": "wf", "task": "a", "key": "requires"}, "cycle: a -> b -> a"),
    ("version: '2.0'\nwf:\n  type: reverse\n  tasks:\n    a: {on-success: [a]}\n",
     {"workflow": "wf", "task": "a", "key": "on-success"}, "unknown key"),
    ("version: '2.0'\nwf:\n  tasks:\n    a: {timeout: 1.5}\n",
     {"workflow": "wf", "task": "a", "key": "timeout"}, "integer"),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      retry: {delay: 1}\n",
     {"workflow": "wf", "task": "a", "key": "retry"}, "'count' is a required property"),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      with-items: item of <% $.x %>\n",
     {"workflow": "wf", "task": "a", "key": "with-items"}, "with-items must read"),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      publish: {x: <% $.y + %>}\n",
     {"workflow": "wf", "task": "a", "key": "publish.x"}, "YAQL"),
    ("version: '2.0'\nwf:\n  tasks:\n    a:\n      input: {x: '{{ y + }}'}\n",
     {"workflow": "wf", "task": "a", "key": "input.x"}, "Jinja"),
    ("version: '2.0'\nwf:\n  task-defaults:\n    publish: {x: 1}\n  tasks:\n    a: {}\n",
     {"workflow": "wf", "key": "task-defaults.publish"}, "unknown key 'publish'"),
    ("version: '2.0'\nwf:\n  yes: typo\n  tasks:\n    a: {}\n",
     {"workflow": "wf"}, "must be text"),
    ("version: '2.0'\nwf:\n  tasks:\n    a: {on-success: [b]}\n    b: {on-success: [a]}\n",
     {"workflow": "wf", "key": "tasks"}, "start tasks"),
])
def test_errors_name_workflow_task_key_and_line(text, where, fragment):
    err = error(text)
    assert fragment in err.message
    assert err.where == where
    assert err.line is not None
    assert f"line {err.line}" in str(err)


def test_error_line_points_at_the_offending_key():
    err = error("version: '2.0'\nwf:\n  tasks:\n    a:\n      action: std.noop\n      on-success:\n        - b\n")
    assert err.line == 7


def test_undeclared_subworkflow_input_in_the_same_document():
    err = error("""\
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
      input: {hosts: [a], typo: 1, env: {x: 1}}
child:
  input: [hosts]
  tasks:
    t: {}
""")
    assert "does not declare input 'typo'" in err.message and err.where["task"] == "call"


def test_workbook_and_action_specs():
    wb = parse_workbook("""\
version: '2.0'
name: ops
actions:
  say:
    base: std.echo output="<% $.msg %>"
    input: [msg]
workflows:
  main:
    tasks:
      t1: {action: say msg="hi"}
""")
    assert [w.name for w in wb.workflows] == ["ops.main"]
    assert wb.actions[0].spec.base_input == {"output": "<% $.msg %>"}
    [action] = parse_actions("version: '2.0'\nx:\n  base: std.noop\n  output: <% $ %>\n")
    assert action.spec.base == "std.noop" and action.spec.output == "<% $ %>"


def test_workbook_errors_name_the_workbook():
    err = error("version: '2.0'\nname: ops\nworkflows:\n  main:\n    tasks:\n      t: {foo: 1}\n", parse_workbook)
    assert err.where == {"workbook": "ops", "workflow": "main", "task": "t", "key": "foo"}
    assert err.line == 6
