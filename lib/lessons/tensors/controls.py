"""Every control of the tensors lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table  # noqa: F401

CONTROLS = Table("tensors", [])  # TODO(one house): the page's controls move here
