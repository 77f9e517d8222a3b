# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``go test``: its ``-json`` output parsed and summarised, and the test binaries kept between runs.

* ``parse``: ``parse_go_test_json`` / ``parse_go_test_results``, the counted summary (the entry point);
* ``events``: the test2json event stream, its packages and leaf tests;
* ``ginkgo``: Ginkgo v2's report and spec results inside a Go test's output;
* ``failures``: a message and an output excerpt per failure;
* ``cases``: one result per counted test (the JUnit test cases);
* ``summary``: ``summary_state`` and ``summary_text``;
* ``binary_cache``: the cache behind ``go test -o`` (seed, harvest, prune).

Nothing is imported here, so that a module that needs one of them (the binary cache) does not load the parser.
"""
