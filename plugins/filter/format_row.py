# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""format_row: one line of a text table from a dict. Documentation in format_row.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def format_row(row, fmt, keys):
    values = []
    for key in keys:
        value = row.get(key, "")
        values.append(", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else value)
    return fmt % tuple(values)


class FilterModule(object):
    def filters(self):
        return {"format_row": format_row}
