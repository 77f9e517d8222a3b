"""generic_backend.templates: the ${field} templates of a backend entry's exports, env and command."""

import pytest

from ansible_collections.kubernaut.testinfra.plugins.module_utils.generic_backend.templates import (
    EXPORT_FIELDS, START_FIELDS, TemplateError, check_template, render_template, template_fields)

VALUES = {"host": "127.0.0.1", "port": "41234", "ports.5432": "41234", "ports.8080": "41235", "user": "app user",
          "password": "p@ss/w:rd", "database": "db", "name": "postgres", "container": "svc-postgres"}
ALL = EXPORT_FIELDS + ("ports",)


@pytest.mark.parametrize("template,expected", [
    ("${host}:${port}", "127.0.0.1:41234"),
    ("plain text", "plain text"),
    ("", ""),
    ("${ports.8080}", "41235"),
    ("postgres://${user|url}:${password|url}@${host}:${port}/${database|url}?sslmode=disable",
     "postgres://app%20user:p%40ss%2Fw%3Ard@127.0.0.1:41234/db?sslmode=disable"),
    ("redis://${password:+:${password|url}@}${host}:${port}/0", "redis://:p%40ss%2Fw%3Ard@127.0.0.1:41234/0"),
    ("costs $$5 and ${name}", "costs $5 and postgres"),
    ("a lone $ stays", "a lone $ stays"),
    ("{not a field}", "{not a field}"),
])
def test_render(template, expected):
    check_template(template, ALL, ports=(5432, 8080))
    assert render_template(template, VALUES) == expected


def test_alternatives_follow_the_shell():
    empty = dict(VALUES, password="", database="")
    assert render_template("redis://${password:+:${password|url}@}${host}:${port}/0", empty) == "redis://127.0.0.1:41234/0"
    assert render_template("${database:-${user}}", empty) == "app user"
    assert render_template("${database:-fallback}", VALUES) == "db"


def test_fields_in_order_with_nested_ones():
    assert template_fields("${a}-${b|url:+x${c}}") == [("a", []), ("b", ["url"]), ("c", [])]


@pytest.mark.parametrize("template,message", [
    ("${hostname}", "${hostname} names no field: use ${host}, ${port}"),
    ("${ports.6380}", "${ports.6380} names no port of the entry (ports: 5432, 8080)"),
    ("${ports.x}", "names no port of the entry"),
    ("${host|upper}", "no filter 'upper': the filters are url"),
    ("${host", "'${host' is not closed by '}'"),
    ("${ host}", "is not followed by a field name (write $$ for a literal $)"),
    ("${password:+:${password}", "alternative is not closed"),
    ("${host|}", "is not followed by a filter name"),
])
def test_bad_templates_say_what_is_wrong_and_what_to_write(template, message):
    with pytest.raises(TemplateError, match=None) as info:
        check_template(template, ALL, ports=(5432, 8080))
    assert message in str(info.value)


def test_env_and_command_get_no_password_and_nothing_known_only_after_the_start():
    forbidden = {"password": "goes through secret", "host": "is not known before the container starts",
                 "ports": "is not known before the container starts"}
    check_template("${user}/${database}/${name}/${container}", START_FIELDS, forbidden=forbidden)
    with pytest.raises(TemplateError, match=r"\$\{password\} goes through secret"):
        check_template("--requirepass ${password}", START_FIELDS, forbidden=forbidden)
    with pytest.raises(TemplateError, match="not known before the container starts"):
        check_template("${ports.5432}", START_FIELDS, forbidden=forbidden)
    with pytest.raises(TemplateError, match="names no field"):
        check_template("${port}", START_FIELDS)
