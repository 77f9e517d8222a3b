# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node image references as kind sees them (modules kind_preflight and kind_node_image)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def kind_image_ref(image):
    """The reference kind's podman/docker providers look up and pull (their sanitizeImage)."""
    friendly, remainder = image, image
    if "@sha256:" in image:
        name, digest = image.split("@sha256:", 1)
        friendly = name
        slash, colon = name.rfind("/"), name.rfind(":")
        remainder = (name[:colon] if colon > slash else name) + "@sha256:" + digest
    if "/" not in remainder:
        remainder = "library/" + remainder
    first = friendly.find("/")
    if first == -1 or (not any(c in friendly[:first] for c in ".:") and friendly[:first] != "localhost"):
        return "docker.io/" + remainder
    return remainder


def tag_version(ref):
    """The Kubernetes version of a node image tag (kindest/node:v1.37.0 -> v1.37.0), or ''."""
    match = re.search(r":(v\d+\.\d+\.\d+)(@|$)", ref)
    return match.group(1) if match else ""


def needs_fail_cgroup_v1(version, cgroup_v2):
    """Whether kubelet ``version`` needs failCgroupV1: false to start on this host (kubelet 1.35+ on cgroup v1)."""
    match = re.match(r"^v?(\d+)\.(\d+)", version or "")
    return bool(match) and not cgroup_v2 and (int(match.group(1)), int(match.group(2))) >= (1, 35)
