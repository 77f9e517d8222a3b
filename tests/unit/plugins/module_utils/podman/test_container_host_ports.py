"""podman.container.host_ports: the host ports of a container, published or listened on from the host's network."""

from ansible_collections.kubernaut.testinfra.plugins.module_utils.podman.container import host_ports


def test_published_ports_from_inspect_data():
    data = {"NetworkSettings": {"Ports": {"5432/tcp": [{"HostIp": "127.0.0.1", "HostPort": "40123"}],
                                          "9000/tcp": None}}, "Config": {"Labels": {"a": "b"}}}
    assert host_ports(data) == {"5432/tcp": 40123}


def test_published_ports_from_podman_ps():
    item = {"Ports": [{"host_ip": "127.0.0.1", "container_port": 6379, "host_port": 6379, "range": 1,
                       "protocol": "tcp"}], "Labels": {}}
    assert host_ports(item) == {"6379/tcp": 6379}


def test_ports_of_a_container_on_the_host_network_come_from_its_labels():
    labels = {"io.kubernaut.testinfra.host-port.5432/tcp": "41234", "io.kubernaut.testinfra.host-port.x": "no"}
    assert host_ports({"NetworkSettings": {"Ports": {}}, "Config": {"Labels": labels}}) == {"5432/tcp": 41234}
    assert host_ports({"Ports": None, "Labels": labels}) == {"5432/tcp": 41234}


def test_no_ports():
    assert host_ports({}) == {}
