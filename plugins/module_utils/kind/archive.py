# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Container image tarballs in the `docker save` layout (manifest.json, config, one uncompressed tar per layer),
written without any container engine: what `ctr images import` loads into a kind node's containerd."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import json
import os
import tarfile

# A fixed time for every entry and the image's creation: the same inputs give the same image ID.
EPOCH = 0
CREATED = "1970-01-01T00:00:00Z"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _dir_entries(path, seen):
    """Tar entries of the parent directories of ``path`` not yet in ``seen``."""
    parts = path.strip("/").split("/")[:-1]
    out = []
    for i in range(1, len(parts) + 1):
        name = "/".join(parts[:i])
        if name not in seen:
            seen.add(name)
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = EPOCH
            out.append(info)
    return out


def files_layer(path, files):
    """Write a layer tar holding ``files``: [(destination in the image, source path or bytes, mode)]."""
    seen = set()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for dest, source, mode in sorted(files, key=lambda item: item[0]):
            for info in _dir_entries(dest, seen):
                tar.addfile(info)
            info = tarfile.TarInfo(dest.strip("/"))
            info.mode = mode
            info.mtime = EPOCH
            if isinstance(source, bytes):
                info.size = len(source)
                tar.addfile(info, io.BytesIO(source))
            else:
                info.size = os.path.getsize(source)
                with open(source, "rb") as handle:
                    tar.addfile(info, handle)


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_image(path, tags, layers, entrypoint=None, cmd=None, env=None, workdir=None, user=None, labels=None):
    """Write a `docker save` archive of an image with the given layer tars (lowest first) to ``path``.

    ``tags`` are the references containerd lists it under (registry.k8s.io/pause:3.10.1)."""
    tmp = path + ".tmp"
    try:
        diff_ids, names = [], []
        for layer in layers:
            digest = _sha256_file(layer)
            diff_ids.append("sha256:" + digest)
            names.append(digest + "/layer.tar")
        environment = dict({"PATH": DEFAULT_PATH}, **(env or {}))
        config = {
            "architecture": "amd64" if os.uname()[4] in ("x86_64", "amd64") else "arm64",
            "os": "linux",
            "created": CREATED,
            "config": {"Env": ["%s=%s" % item for item in sorted(environment.items())],
                       "Entrypoint": entrypoint, "Cmd": cmd, "WorkingDir": workdir or "/", "User": user or "",
                       "Labels": labels or {}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": CREATED, "created_by": "kubernaut.testinfra kind_node_image"} for dummy in layers],
        }
        config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode("utf-8")
        config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
        manifest = [{"Config": config_name, "RepoTags": list(tags), "Layers": names}]
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            def add_bytes(name, data):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), EPOCH, 0o644
                tar.addfile(info, io.BytesIO(data))

            add_bytes(config_name, config_bytes)
            for layer, name in zip(layers, names):
                info = tar.gettarinfo(layer, arcname=name)
                info.mtime, info.uid, info.gid, info.uname, info.gname = EPOCH, 0, 0, "", ""
                with open(layer, "rb") as handle:
                    tar.addfile(info, handle)
            add_bytes("manifest.json", json.dumps(manifest, separators=(",", ":")).encode("utf-8"))
        os.rename(tmp, path)
        return "sha256:" + config_name[:-5]
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
