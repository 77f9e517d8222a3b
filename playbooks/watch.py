#!/usr/bin/env python3
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watch loop for TDD: provision a service's backends once, re-run its tests on every save, Ctrl-C removes all.

    python playbooks/watch.py SERVICE playbooks/SERVICE.yml [ansible-playbook arguments]   (make watch-SERVICE)

See docs/watch.md and plugins/module_utils/watch.py.
"""
import os
import sys

COLLECTION = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == "ansible_collections":  # an installed collection
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION))))
else:  # a checkout: the link `make venv` makes
    sys.path.insert(0, os.path.join(COLLECTION, ".testinfra", "collections"))

from ansible_collections.kubernaut.testinfra.plugins.module_utils.watch import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
