"""The Kind teardown the kind role's cleanup.yml and the reaper share: which nodes' volumes it prunes."""

from ansible_collections.kubernaut.testinfra.plugins.module_utils.kind import teardown


def test_node_names_follow_kinds_naming():
    assert teardown.node_names({"cluster": "t"}) == ["t-control-plane"]
    assert teardown.node_names({"cluster": "t", "workers": "2"}) == ["t-control-plane", "t-worker", "t-worker2"]
