"""Node configuration: defaults < YAML file < MISTRAL_LITE_* environment < flags."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

from mistral_lite.storable import DEFAULT_MAX_DEPTH, HIGHEST_MAX_DEPTH

ENV_PREFIX = "MISTRAL_LITE_"


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class Config:
    """Everything a node needs to start. Each field is also a flag and an env var."""

    host: str = field(default="127.0.0.1", metadata={"help": "address the REST API listens on"})
    port: int = field(default=8989, metadata={"help": "port of the REST API"})
    data_dir: str = field(default="./data", metadata={"help": "directory holding the SQLite database"})
    node_id: str = field(default="node1", metadata={"help": "name of this node, shown by /health"})
    log_level: str = field(default="info", metadata={"help": "debug, info, warning or error"})
    log_format: str = field(default="auto", metadata={"help": "console, json, or auto (console on a terminal, json otherwise)"})
    max_body_size: int = field(default=1024 * 1024, metadata={"help": "largest accepted request body in bytes"})
    default_limit: int = field(default=1000, metadata={"help": "page size used by list endpoints when no limit (or a larger one) is given"})
    drain_timeout: int = field(default=30, metadata={"help": "seconds a stopping node waits for running actions to finish and record their results"})
    integrity_check: str = field(default="quick", metadata={"help": "database check at start: quick (PRAGMA quick_check), full (PRAGMA integrity_check, also indexes against tables) or off"})
    max_action_result_size: int = field(default=1024 * 1024, metadata={"help": "largest action result (and task publish) kept, in bytes of its JSON (0: no limit); a larger one fails the task"})
    max_action_input_size: int = field(default=1024 * 1024, metadata={"help": "largest evaluated task input (of an action or sub-workflow), in bytes of its JSON (0: no limit)"})
    max_http_response_size: int = field(default=5 * 1024 * 1024, metadata={"help": "largest response body std.http reads, in bytes (0: no limit); reading stops past it"})
    max_subworkflow_depth: int = field(default=100, metadata={"help": "most levels of sub-workflows under one root execution"})
    max_list_response_size: int = field(default=16 * 1024 * 1024, metadata={"help": "bytes of stored data one list page may read (0: no limit); a page that would pass it ends early with a next link"})
    max_nesting_depth: int = field(default=DEFAULT_MAX_DEPTH, metadata={
        "help": f"deepest nesting of lists and mappings accepted in a JSON body or YAML definition (1-{HIGHEST_MAX_DEPTH})"})
    max_task_starts_per_step: int = field(default=1000, metadata={"help": "tasks one execution may start in one engine step from tasks that ended as soon as they started; more is a runaway loop and the execution ends ERROR (fan-outs started by action results do not count)"})
    expression_timeout: float = field(default=2.0, metadata={"help": "seconds of CPU time one YAQL or Jinja evaluation may use before its task fails"})
    expression_max_size: int = field(default=16 * 1024 * 1024, metadata={"help": "largest string, list or parsed document, in bytes, one expression may build"})
    raft_address: str = field(default="", metadata={"help": "this node's Raft host:port in a cluster (empty: a single node)"})
    peers: str = field(default="", metadata={"help": "the other cluster nodes, comma-separated raft_host:port=http://api_host:port"})
    cluster_secret: str = field(default="", metadata={"help": "shared secret of the cluster's Raft traffic (required in a cluster unless cluster-secret-file is given)"})
    cluster_secret_file: str = field(default="", metadata={"help": "file holding the cluster's shared secret"})
    public_url: str = field(default="", metadata={"help": "URL clients reach the service by, e.g. a load balancer over every node (default: this node's own http://host:port); asynchronous actions get their callback URL under it"})
    raft_compaction_min_entries: int = field(default=20000, metadata={"help": "Raft log entries kept before a node compacts its log into a snapshot (lower it only to exercise snapshots)"})
    strict_validation: str = field(default="off", metadata={"help": "on: refuse (400, naming key and line) a document Mistral accepts but mistral-lite warns about, e.g. an unknown workflow key; off: accept it and report the warning"})

    @property
    def strict(self) -> bool:
        return self.strict_validation == "on"

    @property
    def database_path(self) -> Path:
        return Path(self.data_dir) / "mistral-lite.sqlite"

    @property
    def clustered(self) -> bool:
        return bool(self.raft_address)

    def peer_map(self) -> dict[str, str]:
        """Raft address -> API base URL of every other node."""
        found: dict[str, str] = {}
        for item in (p.strip() for p in self.peers.split(",")):
            if not item:
                continue
            raft, sep, url = item.partition("=")
            if not sep or not _is_host_port(raft.strip()) or not url.strip().startswith(("http://", "https://")):
                raise ConfigError(f"peers: {item!r} is not raft_host:port=http://api_host:port")
            found[raft.strip()] = url.strip().rstrip("/")
        return found

    def secret(self) -> str:
        """The cluster's shared secret: the option, else the file's first line."""
        if self.cluster_secret:
            return self.cluster_secret
        if self.cluster_secret_file:
            try:
                return Path(self.cluster_secret_file).read_text(encoding="utf-8").strip()
            except OSError as e:
                raise ConfigError(f"cluster_secret_file {self.cluster_secret_file}: {e.strerror}") from None
        return ""

    def validate(self) -> None:
        """Reject values that would only fail later, with the option's name."""
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be between 1 and 65535, got {self.port}")
        if self.log_level.lower() not in ("debug", "info", "warning", "error"):
            raise ConfigError(f"log_level must be debug, info, warning or error, got {self.log_level!r}")
        if self.log_format not in ("auto", "console", "json"):
            raise ConfigError(f"log_format must be auto, console or json, got {self.log_format!r}")
        if self.max_body_size <= 0:
            raise ConfigError("max_body_size must be positive")
        if self.default_limit <= 0:
            raise ConfigError("default_limit must be positive")
        if self.drain_timeout < 0:
            raise ConfigError("drain_timeout must be zero or more seconds")
        if self.integrity_check not in ("quick", "full", "off"):
            raise ConfigError(f"integrity_check must be quick, full or off, got {self.integrity_check!r}")
        for name in ("max_action_result_size", "max_action_input_size", "max_http_response_size",
                     "max_list_response_size"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 (no limit) or a positive number of bytes")
        if self.max_subworkflow_depth <= 0:
            raise ConfigError("max_subworkflow_depth must be positive")
        if not 1 <= self.max_nesting_depth <= HIGHEST_MAX_DEPTH:
            raise ConfigError(f"max_nesting_depth must be between 1 and {HIGHEST_MAX_DEPTH}, got {self.max_nesting_depth}")
        if self.max_task_starts_per_step <= 0:
            raise ConfigError("max_task_starts_per_step must be positive")
        if not 0 < self.expression_timeout <= 3600:
            raise ConfigError(f"expression_timeout must be more than 0 and at most 3600 seconds, got {self.expression_timeout}")
        if self.expression_max_size <= 0:
            raise ConfigError("expression_max_size must be positive")
        if self.raft_compaction_min_entries < 2:
            raise ConfigError(f"raft_compaction_min_entries must be at least 2, got {self.raft_compaction_min_entries}")
        if self.strict_validation not in ("on", "off"):
            raise ConfigError(f"strict_validation must be on or off, got {self.strict_validation!r}")
        self._validate_cluster()

    def api_base(self) -> str:
        """Base of the API URLs handed out (callback URLs of asynchronous actions)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/") + "/v2"

    def _validate_cluster(self) -> None:
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ConfigError(f"public_url must start with http:// or https://, got {self.public_url!r}")
        if not self.raft_address:
            if self.peers:
                raise ConfigError("peers is set but raft_address is not: a cluster node needs its own Raft address")
            return
        if not _is_host_port(self.raft_address):
            raise ConfigError(f"raft_address must be host:port, got {self.raft_address!r}")
        peers = self.peer_map()
        if not peers:
            raise ConfigError("raft_address is set but peers is empty: name the other nodes of the cluster")
        if self.raft_address in peers:
            raise ConfigError(f"peers must not include this node's own raft_address {self.raft_address}")
        if not self.secret():
            raise ConfigError("a cluster node needs a shared secret: set cluster_secret "
                              "(MISTRAL_LITE_CLUSTER_SECRET) or cluster_secret_file")


def _is_host_port(text: str) -> bool:
    host, sep, port = text.rpartition(":")
    return bool(sep and host and port.isdigit() and 0 < int(port) < 65536)


def option_fields() -> list[dataclasses.Field]:
    return list(fields(Config))


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Turn a raw value from a file, env var or flag into the field's type."""
    kind = {f.name: f.type for f in fields(Config)}[name]
    try:
        if kind in ("int", int):
            if isinstance(raw, bool):
                raise ValueError
            return int(raw)
        if kind in ("float", float):
            if isinstance(raw, bool):
                raise ValueError
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        article = "a number" if kind in ("float", float) else "an integer"
        raise ConfigError(f"{source}: {name} must be {article}, got {raw!r}") from None


def from_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML config file; keys may use dashes or underscores."""
    try:
        with open(path, encoding="utf-8") as f:
            loaded = yaml.safe_load(f) or {}
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {path} is not valid YAML: {e}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"config file {path} must hold a mapping of options")
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, raw in loaded.items():
        name = str(key).replace("-", "_")
        if name not in known:
            raise ConfigError(f"config file {path}: unknown option {key!r}")
        values[name] = _coerce(name, raw, f"config file {path}")
    return values


def from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read MISTRAL_LITE_<OPTION> variables (e.g. MISTRAL_LITE_PORT=9000)."""
    values: dict[str, Any] = {}
    for f in fields(Config):
        var = ENV_PREFIX + f.name.upper()
        if var in environ:
            values[f.name] = _coerce(f.name, environ[var], f"environment variable {var}")
    return values


def load(config_file: str | None, environ: Mapping[str, str], flags: Mapping[str, Any]) -> Config:
    """Merge the three sources; later ones win. `flags` holds only options given."""
    merged: dict[str, Any] = {}
    file_path = config_file or environ.get(ENV_PREFIX + "CONFIG")
    if file_path:
        merged.update(from_file(file_path))
    merged.update(from_env(environ))
    merged.update({k: _coerce(k, v, "flag") for k, v in flags.items() if v is not None})
    config = Config(**merged)
    config.validate()
    return config
