# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A service run's plan and report, from the registry of backends (roles/testinfra/vars/main.yml):
selection.py (which backends and cluster the service and the tags select), provision.py (what starts, in
which order), results.py (the backends' contract results, merged for the tests and the report), table.py
(phases and all.yml's table). No backend is known here by name."""
