"""GET /v2/workflows/{identifier}/graph and /v2/executions/{id}/graph on a real server."""

from __future__ import annotations

DIRECT = """
version: '2.0'
shape:
  tasks:
    first:
      action: std.echo output=1
      on-success:
        - fan: <% $.go = true %>
        - fail: <% $.go = false %>
      on-error: [cleanup]
    fan:
      with-items: x in [1, 2]
      action: std.echo output=<% $.x %>
      on-complete: [gather]
    other:
      workflow: child
      on-success: [gather]
    gather:
      join: all
      on-success: [first]
    cleanup:
      action: std.noop
      on-success: [fail]
"""
REVERSE = """
version: '2.0'
backwards:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      action: std.noop
      requires: [a]
    c:
      action: std.noop
      requires: [a, b]
"""


def by_id(graph):
    return {n["id"]: n for n in graph["nodes"]}


async def test_a_direct_workflow_graph_names_kinds_transitions_and_commands(api):
    await api.upload(DIRECT)
    graph = await api.ok("GET", "/workflows/shape/graph")
    nodes = by_id(graph)
    assert graph["workflow"] == "shape" and graph["type"] == "direct"
    assert {n: nodes[n]["kind"] for n in ("first", "fan", "other", "gather", "cleanup")} == {
        "first": "action", "fan": "with-items", "other": "workflow", "gather": "join", "cleanup": "action"}
    assert nodes["first"]["call"] == "std.echo" and nodes["other"]["call"] == "child"
    assert nodes["gather"]["join"] == "all" and nodes["fan"]["with_items"] is True
    # The loop back from gather makes first a target, so other is the one start task.
    assert [n for n in nodes if nodes[n]["start"]] == ["other"]
    commands = [n for n in graph["nodes"] if n["kind"] == "command"]
    assert sorted((n["id"], n["call"]) for n in commands) == [
        ("cleanup/on-success/fail", "fail"), ("first/on-success/fail", "fail")]
    edges = {(e["source"], e["target"]): e for e in graph["edges"]}
    assert edges[("first", "fan")]["clause"] == "on-success"
    assert edges[("first", "fan")]["condition"] == "<% $.go = true %>"
    assert edges[("first", "cleanup")] == {**edges[("first", "cleanup")], "clause": "on-error", "condition": None}
    assert edges[("fan", "gather")]["clause"] == "on-complete"
    assert edges[("gather", "first")]["reversed"] is True  # the loop back is drawn upwards
    for (source, target), edge in edges.items():
        if not edge["reversed"]:
            assert nodes[source]["rank"] < nodes[target]["rank"]
        assert edge["points"][0] == [nodes[source]["x"] + graph["node_width"] / 2,
                                     nodes[source]["y"] + graph["node_height"] / 2]


async def test_a_reverse_workflow_is_drawn_from_requires(api):
    await api.upload(REVERSE)
    graph = await api.ok("GET", "/workflows/backwards/graph")
    assert graph["type"] == "reverse"
    assert sorted((e["source"], e["target"], e["clause"]) for e in graph["edges"]) == [
        ("a", "b", "requires"), ("a", "c", "requires"), ("b", "c", "requires")]
    assert [by_id(graph)[n]["rank"] for n in "abc"] == [0, 1, 2]


async def test_an_execution_graph_comes_from_its_own_snapshot(api):
    await api.upload(REVERSE)
    ex = await api.run("backwards", params={"task_name": "c"})
    await api.ok("PUT", "/workflows", text=REVERSE.replace("requires: [a, b]", "requires: [a]"))
    now = await api.ok("GET", "/workflows/backwards/graph")
    then = await api.ok("GET", f"/executions/{ex['id']}/graph")
    assert len(now["edges"]) == 2 and len(then["edges"]) == 3


async def test_unknown_ids_are_mistral_404s(api):
    for path in ("/workflows/nope/graph", "/executions/nope/graph"):
        status, body = await api.call("GET", path)
        assert status == 404 and body["faultcode"] == "Client" and "nope" in body["faultstring"]
    status, body = await api.call("GET", "/workflows/nope/graph?bogus=1")
    assert status == 400 and "bogus" in body["faultstring"]


def line_of(text, key):
    """1-based line of `key:` in text, as the stored definition (the uploaded text) holds it."""
    return text.splitlines().index(key + ":") + 1


async def test_task_nodes_carry_the_line_of_their_key_in_the_yaml(api):
    await api.upload(DIRECT)
    nodes = by_id(await api.ok("GET", "/workflows/shape/graph"))
    for task in ("first", "fan", "other", "gather", "cleanup"):
        assert nodes[task]["line"] == line_of(DIRECT, "    " + task)
    assert nodes["first"]["line"] == 5
    assert nodes["cleanup/on-success/fail"]["line"] is None


async def test_an_execution_graph_has_lines_only_while_the_workflow_holds_its_definition(api):
    await api.upload(REVERSE)
    ex = await api.run("backwards", params={"task_name": "c"})
    nodes = by_id(await api.ok("GET", f"/executions/{ex['id']}/graph"))
    assert [nodes[t]["line"] for t in "abc"] == [line_of(REVERSE, "    " + t) for t in "abc"]
    # Once the workflow changed, its text no longer says where the execution's tasks are.
    await api.ok("PUT", "/workflows", text=REVERSE.replace("requires: [a, b]", "requires: [a]"))
    nodes = by_id(await api.ok("GET", f"/executions/{ex['id']}/graph"))
    assert [nodes[t]["line"] for t in "abc"] == [None, None, None]
