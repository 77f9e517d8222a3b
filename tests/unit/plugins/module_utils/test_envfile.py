"""envfile: secrets handed over in a 0600 file, read back exactly as written."""

import os
import stat
import subprocess

import pytest
from ansible_collections.kubernaut.testinfra.plugins.module_utils import envfile

AWKWARD = {"PGPASSWORD": "it's a \"secret\" $HOME `id` \\ ;|&", "DATABASE_URL": "postgres://u:p%2F@h:1/d?x=1&y=2",
           "EMPTY": "", "MULTI": "line one\nline two"}


def test_render_and_parse_round_trip_awkward_values():
    assert envfile.parse(envfile.render(AWKWARD)) == AWKWARD


def test_the_shell_reads_the_same_values(tmp_path):
    path = tmp_path / "test.env"
    envfile.write(str(path), AWKWARD)
    out = subprocess.run(["/bin/sh", "-c", '. "$1" && rm -f -- "$1" && shift && exec "$@"', "testinfra-env", str(path),
                          "python3", "-c", "import json, os; print(json.dumps({k: os.environ[k] for k in %r}))"
                          % sorted(AWKWARD)], capture_output=True, text=True, check=True).stdout
    import json
    assert json.loads(out) == AWKWARD
    assert not path.exists()  # the wrapper removed it before the command started


def test_written_file_is_private_and_rewriting_the_same_content_changes_nothing(tmp_path):
    path = tmp_path / "run" / "pgvector.env"
    assert envfile.write(str(path), {"PGPASSWORD": "x"}) is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert envfile.write(str(path), {"PGPASSWORD": "x"}) is False
    assert os.listdir(path.parent) == ["pgvector.env"]


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="not an environment variable name: 1X, A-B"):
        envfile.render({"A-B": "1", "1X": "2", "OK": "3"})


def test_relative_paths_go_under_the_state_directory():
    assert envfile.resolve("secrets/x.env", "/state") == "/state/secrets/x.env"
    assert envfile.resolve("/abs/x.env", "/state") == "/abs/x.env"
