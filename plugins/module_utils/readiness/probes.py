# -*- coding: utf-8 -*-
# Copyright: kubernaut.testinfra contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The probes that talk to a server (container_ready, pgvector_ready, redis_ready): a Redis PING and a PostgreSQL
login with SELECT 1, each raising NotReady for what waiting can fix and Fatal for what it cannot.

psycopg2 and redis are optional: their absence is told by HAS_PSYCOPG2 / HAS_REDIS with the reason in
PSYCOPG2_ERROR / REDIS_ERROR, for the module to fail with missing_required_lib before it probes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.kubernaut.testinfra.plugins.module_utils.readiness.wait import Fatal, NotReady

try:
    import psycopg2
    HAS_PSYCOPG2 = True
    PSYCOPG2_ERROR = None
except ImportError:
    psycopg2 = None
    HAS_PSYCOPG2 = False
    PSYCOPG2_ERROR = traceback.format_exc()

# redis-py is imported on the first PING, not with this file: it takes ~0.13 s, which a PostgreSQL probe (run in the
# worker of its task) should not pay. Whether it is there is known without importing it.
try:
    from importlib.util import find_spec
    HAS_REDIS = find_spec("redis") is not None
except (ImportError, ValueError):
    HAS_REDIS = False
REDIS_ERROR = None if HAS_REDIS else "ImportError: No module named 'redis'"

# What a PostgreSQL login error says when waiting will not help.
PG_FATAL = ("password authentication failed", "does not exist", "no pg_hba.conf entry")


def sql_error(exc):
    """The Fatal or NotReady for a psycopg2.OperationalError of a login: Fatal for a wrong password, a missing
    user or database or a refused host; NotReady (its first line) otherwise."""
    text = str(exc).strip()
    if any(marker in text for marker in PG_FATAL):
        return Fatal(text)
    return NotReady(text.splitlines()[0] if text else "connection failed")


def sql_connect(host, port, user, password, dbname):
    """One PostgreSQL login attempt (2 s timeout); the open connection, or sql_error() raised."""
    try:
        return psycopg2.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                                connect_timeout=2, application_name="kubernaut.testinfra")
    except psycopg2.OperationalError as exc:
        raise sql_error(exc)


def sql_select_one(conn):
    """Switch ``conn`` to autocommit and run SELECT 1: the server answers queries. psycopg2 errors propagate,
    for the caller to map."""
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()


def redis_ping(host, port, password, username=None, auth_hint=""):
    """PING a server speaking RESP (Redis, Valkey); its C(INFO server) dict.

    A refused password (AuthenticationError, NOAUTH, WRONGPASS) raises Fatal("authentication failed (...)"),
    followed by ``: auth_hint`` when given; connection errors and other replies raise NotReady.
    """
    import redis  # pylint: disable=import-outside-toplevel - see HAS_REDIS

    client = redis.Redis(host=host, port=port, password=password or None, username=username or None,
                         socket_connect_timeout=2, socket_timeout=2)
    hint = (": %s" % auth_hint) if auth_hint else ""
    try:
        client.ping()
        return client.info("server")
    except redis.exceptions.AuthenticationError as exc:
        raise Fatal("authentication failed (%s)%s" % (exc, hint))
    except redis.exceptions.ResponseError as exc:
        if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
            raise Fatal("authentication failed (%s)%s" % (exc, hint))
        raise NotReady(str(exc))
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        raise NotReady(str(exc) or exc.__class__.__name__)
    finally:
        client.close()
