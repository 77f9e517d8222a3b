# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The files a test run leaves for people and CI: ``junit`` (JUnit XML), ``run_summary`` (``summary.json``),
``backend_logs`` (the backends' logs) and ``redact`` (secrets masked in all of them)."""
