"""Pure helpers of the preflight module."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import go_duration_seconds


@pytest.mark.parametrize("text,seconds", [("5m", 300), ("90s", 90), ("1h30m", 5400), ("1.5s", 1.5),
                                          ("5", None), ("five minutes", None), ("5m3", None), ("", None)])
def test_go_duration_seconds(text, seconds):
    assert go_duration_seconds(text) == seconds


class FakeModule(object):
    def __init__(self, runner, ginkgo_packages):
        self.params = {"runner": runner, "service": "svc"}
        self.ginkgo_packages = ginkgo_packages
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def test_runner_ginkgo_falls_back_to_go_without_suites_and_refuses_a_mix():
    from ansible_collections.kubernaut.testinfra.plugins.modules.preflight import runner_of
    assert runner_of(FakeModule("go", ["ex/a"]), ["ex/a"]) == "go"
    assert runner_of(FakeModule("ginkgo", ["ex/a", "ex/b"]), ["ex/a", "ex/b"]) == "ginkgo"
    plain = FakeModule("ginkgo", [])
    assert runner_of(plain, ["ex/a"]) == "go" and "go test runs them" in plain.warnings[0]
    with pytest.raises(AssertionError, match="not Ginkgo suites \\(ex/b\\)"):
        runner_of(FakeModule("ginkgo", ["ex/a"]), ["ex/a", "ex/b"])
