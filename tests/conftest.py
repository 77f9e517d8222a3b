"""Shared pytest setup: make the checkout importable as ansible_collections.kubernaut.testinfra."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".testinfra", "collections")
_LINK = os.path.join(COLLECTIONS, "ansible_collections", "kubernaut", "testinfra")

if not os.path.exists(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(os.path.join("..", "..", "..", ".."), _LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
