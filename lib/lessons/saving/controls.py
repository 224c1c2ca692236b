"""Every control of the saving lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table  # noqa: F401

CONTROLS = Table("saving", [])  # TODO(one house): the page's controls move here
