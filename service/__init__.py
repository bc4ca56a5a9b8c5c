"""Ghostypedia backend: a raw-SQL service with a generated, typed query layer."""
