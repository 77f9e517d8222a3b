# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Kubernetes: ``client`` (an API client from a kubeconfig, plain JSON calls) and ``manifests`` (the files a
manifest path stands for)."""
