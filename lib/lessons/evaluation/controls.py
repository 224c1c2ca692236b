"""Every control of the evaluation lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table  # noqa: F401

CONTROLS = Table("evaluation", [])  # TODO(one house): the page's controls move here
