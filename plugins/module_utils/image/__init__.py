# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Container images built locally from Debian packages (module local_image): ``spec`` (what the image is made of,
its spec hash), ``build`` (mmdebstrap into podman import, or removal) and ``upstream`` (the registry image it
stands in for)."""
