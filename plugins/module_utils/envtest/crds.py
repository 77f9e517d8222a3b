# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CustomResourceDefinitions a control plane gets as soon as its API answers: read from manifest files and
created with one POST each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.request import Request, urlopen

try:
    import yaml
except ImportError:  # a controller always has it (ansible-core needs it); without it the cluster setup creates the CRDs
    yaml = None

from ansible_collections.kubernaut.testinfra.plugins.module_utils.k8s import manifests

CRD_API = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def crd_documents(paths):
    """The CustomResourceDefinition documents of ``paths`` (files, or directories of manifest files). A file
    that cannot be read or parsed is skipped: the cluster setup applies it again and reports it."""
    documents = []
    for path in paths if yaml else []:
        for name in manifests.files_in(path):
            try:
                with open(name) as handle:
                    documents += [doc for doc in yaml.safe_load_all(handle)
                                  if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition"
                                  and isinstance(doc.get("metadata"), dict) and doc["metadata"].get("name")]
            except (IOError, OSError, yaml.YAMLError):
                continue
    return documents


def create_crd(server, context, document):
    """POST one CRD; whether it was created. One that exists (409) or is refused (422...) is left to the
    cluster setup, which applies it again and reports what is wrong."""
    request = Request(server + CRD_API, data=json.dumps(document, default=str).encode(), method="POST",
                      headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urlopen(request, timeout=10, context=context) as answer:
            answer.read()
        return True
    except (OSError, ValueError):  # HTTPError and URLError are OSErrors
        return False
