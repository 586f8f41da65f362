import re
import subprocess
import sys

import pytest

from mistral_lite.config import Config, ConfigError, load, option_fields


def write(tmp_path, text):
    path = tmp_path / "conf.yaml"
    path.write_text(text)
    return str(path)


def test_defaults():
    config = load(None, {}, {})
    assert (config.host, config.port, config.data_dir) == ("127.0.0.1", 8989, "./data")
    assert config.max_body_size == 1024 * 1024


def test_file_then_env_then_flags(tmp_path):
    path = write(tmp_path, "port: 9001\nnode-id: from-file\nlog_level: debug\n")
    env = {"MISTRAL_LITE_PORT": "9002", "MISTRAL_LITE_NODE_ID": "from-env"}
    config = load(path, env, {"port": 9003})
    assert config.port == 9003  # flag beats env and file
    assert config.node_id == "from-env"  # env beats file
    assert config.log_level == "debug"  # file beats default


def test_config_file_can_come_from_env(tmp_path):
    path = write(tmp_path, "port: 9005\n")
    assert load(None, {"MISTRAL_LITE_CONFIG": path}, {}).port == 9005


@pytest.mark.parametrize("text, message", [
    ("prot: 1\n", "unknown option 'prot'"),
    ("port: abc\n", "port must be an integer"),
    ("- a\n- b\n", "must hold a mapping"),
    ("port: [\n", "not valid YAML"),
    ("port: 70000\n", "between 1 and 65535"),
    ("log-format: xml\n", "log_format must be"),
])
def test_bad_config_files_name_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load(write(tmp_path, text), {}, {})


def test_bad_env_value_names_the_variable():
    with pytest.raises(ConfigError, match="MISTRAL_LITE_PORT"):
        load(None, {"MISTRAL_LITE_PORT": "eighty"}, {})


def test_missing_file():
    with pytest.raises(ConfigError, match="cannot read config file"):
        load("/nonexistent/conf.yaml", {}, {})


def test_example_configs_load():
    for name in ("single-node", "cluster-node1", "cluster-node2", "cluster-node3"):
        # The cluster configs read the secret from a file `scripts/cluster start` creates; the env var wins.
        assert isinstance(load(f"conf/{name}.yaml", {"MISTRAL_LITE_CLUSTER_SECRET": "s"}, {}), Config)


def test_help_documents_every_option():
    out = subprocess.run([sys.executable, "-m", "mistral_lite", "serve", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for f in option_fields():
        assert "--" + f.name.replace("_", "-") in out
        assert "MISTRAL_LITE_" + f.name.upper() in out
    assert "--config" in out


def test_bad_flag_value_exits_with_message():
    proc = subprocess.run([sys.executable, "-m", "mistral_lite", "serve", "--log-format", "xml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "log_format must be" in proc.stderr


@pytest.mark.parametrize("option, value, message", [
    ("max_action_result_size", -1, "max_action_result_size must be 0 (no limit) or a positive number of bytes"),
    ("max_action_input_size", -5, "max_action_input_size must be 0"),
    ("max_http_response_size", -1, "max_http_response_size must be 0"),
    ("max_subworkflow_depth", 0, "max_subworkflow_depth must be positive"),
    ("strict_validation", "yes", "strict_validation must be on or off, got 'yes'"),
])
def test_limits_are_validated(option, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config(**{option: value}).validate()


@pytest.mark.parametrize("depth", ["0", "251"])
def test_max_nesting_depth_is_bounded(depth):
    with pytest.raises(ConfigError, match="max_nesting_depth must be between 1 and 250"):
        load(None, {"MISTRAL_LITE_MAX_NESTING_DEPTH": depth}, {})
    assert load(None, {}, {}).max_nesting_depth == 100


def test_max_task_starts_per_step_defaults_to_1000_comes_from_env_and_must_be_positive():
    assert Config().max_task_starts_per_step == 1000
    assert load(None, {"MISTRAL_LITE_MAX_TASK_STARTS_PER_STEP": "50"}, {}).max_task_starts_per_step == 50
    with pytest.raises(ConfigError, match="max_task_starts_per_step"):
        load(None, {}, {"max_task_starts_per_step": 0})


def test_expression_limits_from_file_env_and_flags(tmp_path):
    path = write(tmp_path, "expression-timeout: 0.5\nexpression-max-size: 1000\n")
    config = load(path, {"MISTRAL_LITE_EXPRESSION_TIMEOUT": "0.25"}, {})
    assert (config.expression_timeout, config.expression_max_size) == (0.25, 1000)
    assert load(None, {}, {"expression_timeout": "2"}).expression_timeout == 2.0
    assert (load(None, {}, {}).expression_timeout, load(None, {}, {}).expression_max_size) == (2.0, 16 * 1024 * 1024)


@pytest.mark.parametrize("text, message", [
    ("expression-timeout: fast\n", "expression_timeout must be a number"),
    ("expression-timeout: 0\n", "expression_timeout must be more than 0"),
    ("expression-timeout: .nan\n", "expression_timeout must be more than 0"),
    ("expression-max-size: 0\n", "expression_max_size must be positive"),
])
def test_bad_expression_limits_name_the_option(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load(write(tmp_path, text), {}, {})


CLUSTER = {"raft_address": "127.0.0.1:7991", "peers": "127.0.0.1:7992=http://127.0.0.1:8992"}


@pytest.mark.parametrize("options, message", [
    ({"peers": "127.0.0.1:7992=http://127.0.0.1:8992"}, "peers is set but raft_address is not"),
    ({"raft_address": "localhost", "cluster_secret": "s"}, "raft_address must be host:port"),
    ({"raft_address": "127.0.0.1:7991", "cluster_secret": "s"}, "peers is empty"),
    ({**CLUSTER, "peers": "127.0.0.1:7992"}, "is not raft_host:port=http://api_host:port"),
    ({**CLUSTER, "peers": "127.0.0.1:7991=http://127.0.0.1:8991", "cluster_secret": "s"},
     "must not include this node's own raft_address"),
    (CLUSTER, "a cluster node needs a shared secret"),
    ({**CLUSTER, "cluster_secret_file": "/nonexistent/secret"}, "cluster_secret_file /nonexistent/secret"),
    ({"public_url": "mistral.example"}, "public_url must start with http"),
])
def test_cluster_options_are_validated(options, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config(**options).validate()


def test_cluster_secret_comes_from_env_or_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    assert load(None, {"MISTRAL_LITE_CLUSTER_SECRET": "from-env"}, CLUSTER).secret() == "from-env"
    config = load(None, {}, {**CLUSTER, "cluster_secret_file": str(secret)})
    assert config.secret() == "from-file"
    assert config.peer_map() == {"127.0.0.1:7992": "http://127.0.0.1:8992"}
    assert config.clustered and not Config().clustered


def test_callback_urls_are_under_public_url_when_given():
    assert Config(port=8991).api_base() == "http://127.0.0.1:8991/v2"
    assert Config(public_url="https://mistral.example/").api_base() == "https://mistral.example/v2"


def test_strict_validation_is_off_by_default_and_on_from_env():
    assert Config().strict is False
    assert load(None, {"MISTRAL_LITE_STRICT_VALIDATION": "on"}, {}).strict is True
