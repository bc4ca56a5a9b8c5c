"""PostgreSQL types to the Python types asyncpg (with service.store.db's codecs) returns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.dev.codegen.catalog import Catalog


@dataclass(frozen=True, slots=True)
class PyType:
    annotation: str
    imports: frozenset[str]  # "module" for `import module`, "from x import y" otherwise
    container: bool = False  # mutable container: instances may take part in reference cycles
    # (name, definition) of the Literal aliases it uses, defined once in the generated `enums`
    aliases: frozenset[tuple[str, str]] = frozenset()

    def optional(self) -> PyType:
        if self.annotation == "None" or self.annotation.endswith("| None"):
            return self
        return PyType(f"{self.annotation} | None", self.imports, self.container, self.aliases)


def _t(annotation: str, *imports: str) -> PyType:
    return PyType(annotation, frozenset(imports))


_JSON = PyType("JSONValue", frozenset({"from service.store.db import JSONValue"}), container=True)

_BY_NAME: dict[str, PyType] = {
    "bool": _t("bool"),
    "int2": _t("int"),
    "int4": _t("int"),
    "int8": _t("int"),
    "oid": _t("int"),
    "xid": _t("int"),
    "xid8": _t("int"),
    "cid": _t("int"),
    "regclass": _t("str"),
    "regtype": _t("str"),
    "regproc": _t("str"),
    "float4": _t("float"),
    "float8": _t("float"),
    "numeric": _t("decimal.Decimal", "decimal"),
    "money": _t("str"),
    "text": _t("str"),
    "varchar": _t("str"),
    "bpchar": _t("str"),
    "name": _t("str"),
    "char": _t("str"),
    "citext": _t("str"),
    "unknown": _t("str"),
    "xml": _t("str"),
    "tsvector": _t("str"),
    "tsquery": _t("str"),
    "jsonpath": _t("str"),
    "macaddr": _t("str"),
    "macaddr8": _t("str"),
    "uuid": _t("uuid.UUID", "uuid"),
    "timestamptz": _t("datetime.datetime", "datetime"),
    "timestamp": _t("datetime.datetime", "datetime"),
    "date": _t("datetime.date", "datetime"),
    "time": _t("datetime.time", "datetime"),
    "timetz": _t("datetime.time", "datetime"),
    "interval": _t("datetime.timedelta", "datetime"),
    "bytea": _t("bytes"),
    "inet": _t("ipaddress.IPv4Address | ipaddress.IPv6Address", "ipaddress"),
    "cidr": _t("ipaddress.IPv4Network | ipaddress.IPv6Network", "ipaddress"),
    "json": _JSON,
    "jsonb": _JSON,
    "bit": _t("asyncpg.BitString", "asyncpg"),
    "varbit": _t("asyncpg.BitString", "asyncpg"),
    "point": _t("asyncpg.Point", "asyncpg"),
    "box": _t("asyncpg.Box", "asyncpg"),
    "lseg": _t("asyncpg.LineSegment", "asyncpg"),
    "line": _t("asyncpg.Line", "asyncpg"),
    "path": _t("asyncpg.Path", "asyncpg"),
    "polygon": _t("asyncpg.Polygon", "asyncpg"),
    "circle": _t("asyncpg.Circle", "asyncpg"),
    "void": _t("None"),
    "record": PyType("asyncpg.Record", frozenset({"asyncpg"}), container=True),
}


def camel(name: str) -> str:
    """ghost_entities -> GhostEntities."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


ENUMS_MODULE = "enums"  # the generated module that defines every Literal alias


def literal(name: str, values: list[str]) -> PyType:
    """A named `Literal[...]` alias over the allowed values, in the schema's order."""
    definition = "Literal[" + ", ".join(repr(v) for v in values) + "]"
    return PyType(
        name,
        frozenset({f"from .{ENUMS_MODULE} import {name}"}),
        aliases=frozenset({(name, definition)}),
    )


def py_type(
    catalog: Catalog,
    typid: int,
    origin: tuple[int, int] | None = None,
    *,
    checked: bool = True,
) -> PyType:
    """Python type for PostgreSQL type `typid`; a CHECK (col IN ...) on `origin` gives a Literal."""
    allowed: tuple[str, list[str]] | None = None
    if origin is not None and checked:
        values = catalog.checks.get(origin)
        col = catalog.columns.get(origin)
        if values and col is not None:
            allowed = (camel(catalog.relnames.get(origin[0], "")) + camel(col.name), values)
    return _py_type(catalog, typid, allowed)


def _py_type(catalog: Catalog, typid: int, allowed: tuple[str, list[str]] | None) -> PyType:
    t = catalog.types.get(typid)
    if t is None:
        return _t("str")
    if t.typtype == "d":
        return _py_type(catalog, t.base, allowed)
    if t.category == "A" and t.elem:
        inner = _py_type(catalog, t.elem, allowed)
        return PyType(f"list[{inner.annotation}]", inner.imports, True, inner.aliases)
    if t.typtype == "e":
        return literal(camel(t.name), catalog.enums.get(typid, []))
    if t.typtype == "r":
        return PyType("asyncpg.Range", frozenset({"asyncpg"}))
    if t.typtype == "m":
        return PyType("list[asyncpg.Range]", frozenset({"asyncpg"}), container=True)
    if t.typtype == "c":
        return _BY_NAME["record"]
    base = _BY_NAME.get(t.name)
    if base is None:
        # types without an asyncpg codec (extension types such as pgvector's) travel as text
        return _t("str")
    if allowed and base.annotation == "str":
        return literal(*allowed)
    return base
