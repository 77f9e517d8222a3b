# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that summarise ``go test -json`` output.

Documentation lives in the sidecar files ``go_test_summary.yml`` and
``go_test_summary_text.yml``; the parsing is in
``module_utils/gotest/`` (``parse.py``, ``summary.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2
    from collections import Mapping

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.kubernaut.testinfra.plugins.plugin_utils.lazy_module_utils import module_utils


def go_test_summary(stdout, rc=None):
    """Summarise ``go test -json`` stdout (see ``parse_go_test_json``)."""
    return module_utils("gotest.parse").parse_go_test_json(stdout, rc=rc)


def go_test_summary_text(summary, title=None, max_names=20, details=False):
    """Render a ``go_test_summary`` result as short human-readable text.

    Raw ``go test -json`` stdout is accepted too and parsed first.  With
    ``details`` each failure's output excerpt is shown under its message.
    """
    if not isinstance(summary, Mapping):
        summary = module_utils("gotest.parse").parse_go_test_json(summary)
    return module_utils("gotest.summary").summary_text(summary, title=title, max_names=max_names,
                                                       details=boolean(details, strict=False))


class FilterModule(object):
    """kubernaut.testinfra go test filters."""

    def filters(self):
        return {
            "go_test_summary": go_test_summary,
            "go_test_summary_text": go_test_summary_text,
        }
