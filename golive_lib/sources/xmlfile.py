"""Read an XML report safely (no entity expansion, no external DTDs) or raise SourceError
naming the file and the line and column where it is malformed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import cast

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as _parse

from ..errors import SourceError


def read_xml(path: Path, label: str) -> ET.Element:
    """The root element of ``path``; ``label`` names the file in errors."""
    try:
        tree = _parse(str(path), forbid_dtd=False)
    except FileNotFoundError as e:
        raise SourceError(label, "file not found") from e
    except OSError as e:
        raise SourceError(label, f"cannot read: {e.strerror or e}") from e
    except ET.ParseError as e:
        line, col = e.position
        what = re.sub(r":? *line \d+, column \d+$", "", str(e))
        raise SourceError(label, f"malformed XML at line {line}, column {col + 1}: {what}") from e
    except DefusedXmlException as e:
        raise SourceError(label, f"refused XML: {e}") from e
    root = cast("ET.Element | None", tree.getroot())
    if root is None:
        raise SourceError(label, "empty XML document")
    return root
